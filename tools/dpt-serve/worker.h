// The one worker thread that runs the networks: requests queue up and run one at a time (2 cores; a second
// model at once would only halve both), in arrival order.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "io/json.h"

namespace dpt::serve {

class Worker {
 public:
  explicit Worker(size_t max_queue);
  ~Worker();  // finishes the running job, drops the queued ones (their futures get an error)

  // Queues `job`; an Error when the queue already holds max_queue jobs. The future carries the job's
  // result or its exception.
  std::future<Json> submit(std::function<Json()> job);

  struct Stats {
    int64_t queued = 0, done = 0, max_parallel = 0;  // max_parallel: most jobs ever running at once
  };
  Stats stats() const;

 private:
  void loop();
  struct Item {
    std::function<Json()> fn;
    std::promise<Json> promise;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  size_t max_queue_;
  bool stop_ = false;
  int64_t running_ = 0, done_ = 0, max_parallel_ = 0;
  std::thread thread_;
};

}  // namespace dpt::serve
