// The process-wide worker pool (see thread_pool.h for the contract). Baseline code.
#include "thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <thread>

namespace losskit {
namespace {

constexpr size_t kDefaultMaxThreads = 8;
constexpr size_t kMaxThreads = 64;

// One pooled call: tasks are claimed through an atomic counter by the caller and the workers.
struct RowJob {
  RowRangeFn fn;
  void* context;
  double* values;
  size_t rows;
  size_t rowsPerTask;
  size_t tasks;
  std::atomic<size_t> next{0};
  // Workers still allowed to join (the thread limit minus the caller); guarded by the
  // pool's mutex_.
  size_t seatsLeft = 0;

  void work() {
    for (;;) {
      const size_t task = next.fetch_add(1, std::memory_order_relaxed);
      if (task >= tasks) return;
      const size_t begin = task * rowsPerTask;
      const size_t end = rows - begin < rowsPerTask ? rows : begin + rowsPerTask;
      fn(context, begin, end, values);
    }
  }
};

size_t configuredThreads() {
  if (const char* text = std::getenv("LOSSKIT_THREADS")) {
    char* end = nullptr;
    const long long requested = std::strtoll(text, &end, 10);
    if (end != text && *end == '\0' && requested >= 1) {
      return requested > static_cast<long long>(kMaxThreads) ? kMaxThreads
                                                             : static_cast<size_t>(requested);
    }
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  if (hardware == 0) return 1;
  return hardware < kDefaultMaxThreads ? hardware : kDefaultMaxThreads;
}

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads) {
    for (size_t i = 1; i < threads; ++i) {
      try {
        std::thread(&ThreadPool::workerLoop, this).detach();
        ++workers_;
      } catch (const std::system_error&) {
        break;  // the OS refused another thread: run with the ones we have
      }
    }
  }

  size_t threads() const { return workers_ + 1; }

  // False when there is no worker or another call holds the pool.
  bool run(RowJob& job) {
    if (workers_ == 0) return false;
    std::unique_lock<std::mutex> owner(runMutex_, std::try_to_lock);
    if (!owner.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      ++generation_;
    }
    wake_.notify_all();
    job.work();
    // Every task is claimed; wait for the workers still finishing theirs. Workers that wake
    // after this point find no job and go back to sleep, so `job` may then die.
    std::unique_lock<std::mutex> lock(mutex_);
    job_ = nullptr;
    idle_.wait(lock, [this] { return active_ == 0; });
    return true;
  }

 private:
  void workerLoop() {
    uint64_t seen = 0;
    for (;;) {
      RowJob* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = job_;
        if (job == nullptr) continue;
        if (job->seatsLeft == 0) continue;  // the thread limit is reached: stay parked
        --job->seatsLeft;
        ++active_;
      }
      job->work();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--active_ == 0) idle_.notify_all();
      }
    }
  }

  size_t workers_ = 0;
  std::mutex runMutex_;  // held by the one call using the pool
  std::mutex mutex_;     // guards job_, generation_, active_
  std::condition_variable wake_;
  std::condition_variable idle_;
  RowJob* job_ = nullptr;
  uint64_t generation_ = 0;
  size_t active_ = 0;
};

// Threads per pooled call, the caller included; 0 = the whole pool.
std::atomic<size_t> threadLimit{0};

ThreadPool& pool() {
  // Leaked on purpose (see thread_pool.h): no destructor runs at exit while workers park.
  static ThreadPool* const instance = new ThreadPool(configuredThreads());
  return *instance;
}

}  // namespace

size_t poolSize() { return pool().threads(); }

size_t poolThreadCount() {
  const size_t size = poolSize();
  const size_t limit = threadLimit.load(std::memory_order_relaxed);
  return limit != 0 && limit < size ? limit : size;
}

size_t setThreadLimit(size_t limit) {
  threadLimit.store(limit, std::memory_order_relaxed);
  return poolThreadCount();
}

void runRowTasks(size_t rows, size_t rowsPerTask, RowRangeFn fn, void* context, double* values) {
  if (rows == 0) return;
  if (rowsPerTask == 0) rowsPerTask = 1;
  RowJob job;
  job.fn = fn;
  job.context = context;
  job.values = values;
  job.rows = rows;
  job.rowsPerTask = rowsPerTask;
  job.tasks = (rows + rowsPerTask - 1) / rowsPerTask;
  const size_t threads = poolThreadCount();
  job.seatsLeft = threads - 1;
  if (job.tasks < 2 || threads < 2 || !pool().run(job)) job.work();
}

}  // namespace losskit
