// The addon's DNS thread pool (see work-pool.h).
#include "work-pool.h"

#include <thread>
#include <utility>

namespace gevent_native {

WorkPool::WorkPool(size_t max_threads, std::function<void()> announce)
    : announce_(std::move(announce)), max_threads_(max_threads == 0 ? 1 : max_threads) {}

void WorkPool::Submit(Job* job) { SubmitMany(std::vector<Job*>{job}); }

void WorkPool::SubmitMany(const std::vector<Job*>& jobs) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopped_) {
    for (Job* job : jobs) delete job;
    return;
  }
  for (Job* job : jobs) queue_.push_back(job);
  // Wake idle threads first, then start new ones, one per job at most. A woken thread keeps
  // taking jobs until the queue is empty, so a burst needs few wake-ups.
  size_t wanted = jobs.size();
  size_t woken = wanted < idle_ ? wanted : idle_;
  for (size_t i = 0; i < woken; ++i) wake_.notify_one();
  for (size_t i = woken; i < wanted && threads_ < max_threads_; ++i) {
    ++threads_;
    std::thread(WorkerMain, shared_from_this()).detach();
  }
}

bool WorkPool::Cancel(uint32_t id) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if ((*it)->id == id) {
      delete *it;
      queue_.erase(it);
      return true;
    }
  }
  return false;
}

std::vector<Job*> WorkPool::TakeDone() {
  std::vector<Job*> out;
  std::unique_lock<std::mutex> lock(mutex_);
  out.swap(done_);
  announced_ = false;
  return out;
}

void WorkPool::Stop() {
  std::deque<Job*> queued;
  std::vector<Job*> finished;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stopped_ = true;
    queued.swap(queue_);
    finished.swap(done_);
    wake_.notify_all();
  }
  for (Job* job : queued) delete job;
  for (Job* job : finished) delete job;
}

PoolStats WorkPool::Stats() {
  std::unique_lock<std::mutex> lock(mutex_);
  return PoolStats{threads_, idle_, queue_.size(), done_.size()};
}

void WorkPool::WorkerMain(std::shared_ptr<WorkPool> self) { self->RunWorker(); }

void WorkPool::RunWorker() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    while (queue_.empty() && !stopped_) {
      ++idle_;
      wake_.wait(lock);
      --idle_;
    }
    if (stopped_) break;
    Job* job = queue_.front();
    queue_.pop_front();
    lock.unlock();
    RunJob(*job);
    lock.lock();
    if (stopped_) {
      delete job;
      break;
    }
    done_.push_back(job);
    if (!announced_) {
      announced_ = true;
      announce_();
    }
  }
  --threads_;
}

}  // namespace gevent_native
