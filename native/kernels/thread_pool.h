// A small process-wide pool of worker threads for the row-wise kernels (categorical.h,
// sparse.h): a call whose work is large hands ranges of rows to the pool; each row's weighted
// value lands in its own slot and the slots are summed afterwards in row order (OrderedRowSum),
// so results are bit-identical whatever the thread count, the task split, or which thread ran
// which rows - and identical to the single-threaded streaming driver.
//
// Behaviour:
// - Started lazily on the first call that asks for it (poolThreadCount()); never before, so
//   loading the addon starts no thread.
// - Threads: min(std::thread::hardware_concurrency(), 8), overridden by the environment
//   variable LOSSKIT_THREADS (an integer >= 1, read once when the pool starts; 1 = no worker
//   threads, everything runs on the calling thread; values above 64 are taken as 64). The
//   calling thread always works on the tasks too, so N threads means N - 1 workers.
//   setThreadLimit() lowers (never raises) the threads a call uses at run time, as
//   torch.set_num_threads does: the extra workers stay parked.
// - Workers park on a condition variable between calls. The pool is never destroyed: it is
//   a leaked singleton whose workers are detached, so process exit neither joins nor waits
//   for them (no hang, no destructor racing a worker), and unloading a worker_thread or an
//   Electron renderer leaves it alone (it belongs to the process, not to a JS environment).
// - One call uses the pool at a time. A call that finds it busy (another JS thread, or an
//   async call on the libuv pool) runs its tasks on its own thread instead: never a deadlock,
//   never nested waiting, and the same bits.
// - Not fork-safe: a child forked while a pooled call is running may hang on its next pooled
//   call (Node does not fork the process itself; child_process spawns).
//
// This header declares plain functions only (no inline code), so the AVX2 translation unit
// can include it; thread_pool.cpp is compiled for the baseline ISA.
#pragma once

#include <cstddef>

namespace losskit {

// Computes rows [begin, end) and stores each row's value in values[row]. Must not throw.
using RowRangeFn = void (*)(void* context, size_t begin, size_t end, double* values);

// Threads a pooled call uses, including the caller: the pool's size capped by the thread
// limit (starts the pool on first use).
size_t poolThreadCount();

// Threads the pool holds, including the caller (starts the pool on first use).
size_t poolSize();

// Caps the threads a pooled call uses (the caller included) at `limit`, 0 = no cap (the whole
// pool). Takes effect from the next call; a call already running keeps its threads. Results do
// not depend on it (every pooled driver reproduces the single-thread bits). Returns the
// threads a pooled call uses from now on.
size_t setThreadLimit(size_t limit);

// Runs fn over rows [0, rows) in tasks of `rowsPerTask` rows (the last one shorter), spread
// over the pool and the calling thread; returns when every row is done. Falls back to
// running all tasks on the calling thread when the pool has no workers or is busy.
void runRowTasks(size_t rows, size_t rowsPerTask, RowRangeFn fn, void* context, double* values);

}  // namespace losskit
