// The driver of the row-wise kernels (categorical.h, sparse.h): rows, sample weights, the
// per-sample output, the ordered sum, and the spread over the thread pool.
//
// Contract (lib/backend/binding.ts): l_i = the row's value, w_i = sampleWeight[i] or 1;
// returns sum_i w_i l_i; perSample[i] = w_i l_i; the row function writes
// gradScale * w_i * dl_i/dx to the row's gradient.
//
// Order: each row's weighted value w_i l_i is computed by one call of the row function,
// independently of every other row; the values are summed by OrderedRowSum (groups of
// kRowGroup rows, four partials each). A call with rows * classCount >= kParallelElements
// (and at least two rows) stores the values (into perSample, or a buffer of `rows` doubles)
// while the pool computes ranges of rows, then sums them in row order: the same additions in
// the same order as the single-threaded loop, so the same bits for any thread count
// (LOSSKIT_THREADS, thread_pool.h), and for sync and async calls.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/row_driver.h"
#endif

#include <cstddef>
#include <new>

#include "ordered_sum.h"
#include "thread_pool.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// Work (elements) from which a call is spread over the pool: below it, waking the workers
// costs more than it saves.
inline constexpr size_t kParallelElements = size_t{1} << 18;
// Elements per pool task (whole rows, at least one): small enough to balance the threads.
inline constexpr size_t kTaskElements = size_t{1} << 15;

template <class RowFn>
struct RowTaskContext {
  const RowFn* rowFn;
  const double* sampleWeight;
};

// values[row] = rowFn(row, w_row) for rows [begin, end).
template <class RowFn>
void rowRangeTask(void* context, size_t begin, size_t end, double* values) {
  const RowTaskContext<RowFn>& c = *static_cast<const RowTaskContext<RowFn>*>(context);
  for (size_t row = begin; row < end; ++row) {
    values[row] = (*c.rowFn)(row, c.sampleWeight != nullptr ? c.sampleWeight[row] : 1.0);
  }
}

// rowFn(row, weight) returns the row's weighted value w * l (and writes its gradient).
template <class RowFn>
double sumRows(const RowFn& rowFn, size_t rows, size_t rowLength, const double* sampleWeight,
               double* perSample) {
  if (rows > 1 && rows * rowLength >= kParallelElements && poolThreadCount() > 1) {
    double* owned = nullptr;
    double* values = perSample;
    if (values == nullptr) values = owned = new (std::nothrow) double[rows];
    if (values != nullptr) {  // else (out of memory) the serial loop below, same bits
      RowTaskContext<RowFn> context{&rowFn, sampleWeight};
      size_t rowsPerTask = kTaskElements / rowLength;
      if (rowsPerTask == 0) rowsPerTask = 1;
      runRowTasks(rows, rowsPerTask, &rowRangeTask<RowFn>, &context, values);
      OrderedRowSum total;
      for (size_t first = 0; first < rows; first += kRowGroup) {
        total.addRows(values + first, rows - first < kRowGroup ? rows - first : kRowGroup);
      }
      delete[] owned;
      return total.finish();
    }
  }
  OrderedRowSum total;
  for (size_t row = 0; row < rows; ++row) {
    const double weighted = rowFn(row, sampleWeight != nullptr ? sampleWeight[row] : 1.0);
    if (perSample != nullptr) perSample[row] = weighted;
    total.add(weighted);
  }
  return total.finish();
}

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
