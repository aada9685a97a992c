// The inference worker (see worker.h).
#include "tools/dpt-serve/worker.h"

#include "core/error.h"

namespace dpt::serve {

Worker::Worker(size_t max_queue) : max_queue_(max_queue), thread_([this] { loop(); }) {}

Worker::~Worker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (auto& item : queue_) item.promise.set_exception(std::make_exception_ptr(Error("the server is stopping")));
}

std::future<Json> Worker::submit(std::function<Json()> job) {
  std::lock_guard<std::mutex> lock(mu_);
  DPT_CHECK(queue_.size() < max_queue_, "the server is busy: " << queue_.size() << " requests are queued; retry later");
  queue_.push_back({std::move(job), {}});
  std::future<Json> f = queue_.back().promise.get_future();
  cv_.notify_one();
  return f;
}

Worker::Stats Worker::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {static_cast<int64_t>(queue_.size()), done_, max_parallel_};
}

void Worker::loop() {
  for (;;) {
    Item item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      if (running_ > max_parallel_) max_parallel_ = running_;
    }
    Json result;
    std::exception_ptr error;
    try {
      result = item.fn();
    } catch (...) {
      error = std::current_exception();
    }
    {  // counted before the waiting request is answered, so /api/status after an answer includes it
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      ++done_;
    }
    if (error)
      item.promise.set_exception(error);
    else
      item.promise.set_value(std::move(result));
  }
}

}  // namespace dpt::serve
