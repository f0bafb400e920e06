// The fixed summation order shared by every driver (see the comment at the top of
// elementwise_driver.h): the constants that define it, and the ordered sum over rows.
#pragma once

#ifndef LOSSKIT_ISA_NAMESPACE
#error "define LOSSKIT_ISA_NAMESPACE before including native/kernels/ordered_sum.h"
#endif

#include <cstddef>

#include "../simd/attributes.h"

namespace losskit {
namespace LOSSKIT_ISA_NAMESPACE {

// A row is consumed in chunks of this many elements, starting at the row's first element.
inline constexpr size_t kChunkElements = 4096;
// Independent accumulators inside a chunk (each a full vector of double lanes).
inline constexpr size_t kChunkAccumulators = 4;
// Rows (samples) are summed in groups of this many (see OrderedRowSum); group sums in order.
inline constexpr size_t kRowGroup = 1024;

// sum_i v_i over rows i = 0, 1, ...: rows are cut into groups of kRowGroup consecutive rows;
// inside a group, the row at position k goes to partial sum k mod 4 (each partial starts at 0
// and adds its rows in order), and the group's sum is (p0 + p1) + (p2 + p3); the group sums
// are added in group order. Four partials break the add-latency chain that would otherwise
// bound short rows (one add per row); a parallel driver that hands whole groups to threads
// reproduces the result bit for bit.
class OrderedRowSum {
 public:
  LOSSKIT_INLINE void add(double v) {
    partial_[rowsInGroup_ & 3] += v;
    if (++rowsInGroup_ == kRowGroup) closeGroup();
  }

  // add(v[0]), ..., add(v[count - 1]), with the partials in registers when the run starts at
  // a multiple of 4 inside its group and does not cross into the next group.
  LOSSKIT_INLINE void addRows(const double* v, size_t count) {
    if ((rowsInGroup_ & 3) != 0 || rowsInGroup_ + count > kRowGroup) {
      for (size_t i = 0; i < count; ++i) add(v[i]);
      return;
    }
    double p0 = partial_[0], p1 = partial_[1], p2 = partial_[2], p3 = partial_[3];
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
      p0 += v[i];
      p1 += v[i + 1];
      p2 += v[i + 2];
      p3 += v[i + 3];
    }
    if (i < count) p0 += v[i++];
    if (i < count) p1 += v[i++];
    if (i < count) p2 += v[i++];
    partial_[0] = p0;
    partial_[1] = p1;
    partial_[2] = p2;
    partial_[3] = p3;
    rowsInGroup_ += count;
    if (rowsInGroup_ == kRowGroup) closeGroup();
  }

  LOSSKIT_INLINE double finish() const {
    return rowsInGroup_ != 0 ? total_ + groupSum() : total_;
  }

 private:
  LOSSKIT_INLINE double groupSum() const {
    return (partial_[0] + partial_[1]) + (partial_[2] + partial_[3]);
  }
  LOSSKIT_INLINE void closeGroup() {
    total_ += groupSum();
    partial_[0] = partial_[1] = partial_[2] = partial_[3] = 0.0;
    rowsInGroup_ = 0;
  }

  double total_ = 0.0;
  double partial_[4] = {0.0, 0.0, 0.0, 0.0};
  size_t rowsInGroup_ = 0;
};

}  // namespace LOSSKIT_ISA_NAMESPACE
}  // namespace losskit
