// A small pool of threads the addon owns, for blocking DNS calls. Layer: native.
// Not libuv's pool (Napi::AsyncWorker would queue there, behind fs/crypto/zlib work): these
// threads only ever run DNS jobs. Completed jobs are collected in one list and announced once
// per batch, so a burst of lookups costs one wake-up of the JS thread, not one per lookup.
#ifndef GEVENT_NATIVE_WORK_POOL_H_
#define GEVENT_NATIVE_WORK_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "dns-calls.h"

namespace gevent_native {

struct PoolStats {
  size_t threads;
  size_t idle;
  size_t queued;
  size_t done;
};

class WorkPool : public std::enable_shared_from_this<WorkPool> {
 public:
  // `announce` is called (on a worker thread, with the pool's lock held) when the first job of
  // a batch completes; the JS thread then calls TakeDone(). It must not block.
  WorkPool(size_t max_threads, std::function<void()> announce);

  // Queues a job (the pool owns it until TakeDone hands it back). Starts a thread when none is
  // idle and fewer than max_threads exist.
  void Submit(Job* job);

  // Queues several jobs under one lock, waking at most as many threads as there are jobs.
  void SubmitMany(const std::vector<Job*>& jobs);

  // Removes a job that has not started. False when it is running or finished.
  bool Cancel(uint32_t id);

  // The jobs finished since the last call; the caller owns them.
  std::vector<Job*> TakeDone();

  // Workers stop after their current job; queued and unclaimed jobs are freed; no further
  // announcements are made. Threads are detached, so Stop never waits for a slow lookup.
  void Stop();

  PoolStats Stats();

 private:
  static void WorkerMain(std::shared_ptr<WorkPool> self);
  void RunWorker();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job*> queue_;
  std::vector<Job*> done_;
  std::function<void()> announce_;
  size_t max_threads_;
  size_t threads_ = 0;
  size_t idle_ = 0;
  bool announced_ = false;
  bool stopped_ = false;
};

}  // namespace gevent_native

#endif  // GEVENT_NATIVE_WORK_POOL_H_
