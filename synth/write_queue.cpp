// Bounded producer/consumer queue of PNG writes (write_queue.h). Which thread writes a file does not
// matter: each file's bytes depend only on its image, so output stays deterministic.
#include "synth/write_queue.h"

#include "core/error.h"

namespace dpt::synth {

WriteQueue::WriteQueue(int threads, size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) threads_.emplace_back([this] { run(); });
}

WriteQueue::~WriteQueue() {
  try {
    finish();
  } catch (...) {
  }
}

void WriteQueue::push(std::string path, Image8 img) {
  std::unique_lock<std::mutex> lock(mutex_);
  not_full_.wait(lock, [&] { return jobs_.size() < capacity_ || !error_.empty(); });
  if (!error_.empty()) throw Error(error_);
  jobs_.emplace_back(std::move(path), std::move(img));
  not_empty_.notify_one();
}

void WriteQueue::run() {
  for (;;) {
    std::pair<std::string, Image8> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      not_empty_.wait(lock, [&] { return !jobs_.empty() || closing_; });
      if (jobs_.empty()) return;  // closing and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
      not_full_.notify_one();
    }
    try {
      write_png(job.first, job.second);
      ++written_;
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (error_.empty()) error_ = e.what();
      jobs_.clear();  // no point writing the rest
      not_full_.notify_all();
    }
  }
}

void WriteQueue::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  not_empty_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  if (!error_.empty()) throw Error(error_);
}

}  // namespace dpt::synth
