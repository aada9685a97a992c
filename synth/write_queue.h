// Background PNG writers for the dataset generator. write_png makes every file durable (fsync of the
// file and its folder), which blocks for milliseconds without using the CPU; several writer threads
// hide that latency behind the rendering threads.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/image.h"

namespace dpt::synth {

class WriteQueue {
 public:
  // `threads` writers; push() blocks while `capacity` images are waiting (bounded memory).
  WriteQueue(int threads, size_t capacity);
  ~WriteQueue();  // finishes (errors are dropped; call finish() to see them)
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Throws the first write error seen so far (so producers stop early).
  void push(std::string path, Image8 img);
  // Waits for every queued file, stops the writers and throws the first error, if any.
  void finish();
  int written() const { return written_; }

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::pair<std::string, Image8>> jobs_;
  size_t capacity_;
  bool closing_ = false;
  std::string error_;
  std::atomic<int> written_{0};
  std::vector<std::thread> threads_;
};

}  // namespace dpt::synth
