#ifndef HAMSTER_EC_SRC_ALIGNED_BUFFER_H_
#define HAMSTER_EC_SRC_ALIGNED_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

#include "hamster/ec/codec.h"

namespace hamster::ec::internal {

// A heap buffer aligned to kRegionAlignmentBytes, as the region kernels require.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t size_bytes)
      : data_(Allocate(size_bytes)), size_bytes_(size_bytes) {}

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_bytes_; }
  std::span<uint8_t> span() { return {data_.get(), size_bytes_}; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  static uint8_t* Allocate(size_t size_bytes) {
    const size_t rounded =
        (size_bytes + kRegionAlignmentBytes - 1) / kRegionAlignmentBytes * kRegionAlignmentBytes;
    if (rounded == 0) return nullptr;
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(kRegionAlignmentBytes, rounded));
    if (p == nullptr) std::abort();  // out of memory: nothing sensible to return
    return p;
  }
  std::unique_ptr<uint8_t[], Free> data_;
  size_t size_bytes_ = 0;
};

inline size_t AlignUp(size_t value, size_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace hamster::ec::internal

#endif  // HAMSTER_EC_SRC_ALIGNED_BUFFER_H_
