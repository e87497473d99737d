#ifndef HAMSTER_EC_TESTS_TEST_UTIL_H_
#define HAMSTER_EC_TESTS_TEST_UTIL_H_

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "hamster/ec/object.h"

namespace hamster::ec::testing {

inline std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = uint8_t(rng());
  return bytes;
}

inline DataId RandomDataId(std::mt19937_64& rng) {
  DataId id;
  for (uint8_t& b : id) b = uint8_t(rng());
  return id;
}

inline std::vector<std::span<const uint8_t>> Spans(const std::vector<ShardFile>& files) {
  return std::vector<std::span<const uint8_t>>(files.begin(), files.end());
}

// Every subset of {0..n-1} with at most `max_size` members, as index lists.
inline std::vector<std::vector<int>> SubsetsUpTo(int n, int max_size) {
  std::vector<std::vector<int>> subsets;
  for (uint32_t mask = 0; mask < (uint32_t{1} << n); ++mask) {
    if (__builtin_popcount(mask) > max_size) continue;
    std::vector<int> subset;
    for (int i = 0; i < n; ++i) {
      if (mask & (uint32_t{1} << i)) subset.push_back(i);
    }
    subsets.push_back(subset);
  }
  return subsets;
}

// The shard files not listed in `lost`.
inline std::vector<std::span<const uint8_t>> Without(const std::vector<ShardFile>& files,
                                                     const std::vector<int>& lost) {
  std::vector<std::span<const uint8_t>> kept;
  for (size_t i = 0; i < files.size(); ++i) {
    bool is_lost = false;
    for (int l : lost) is_lost |= size_t(l) == i;
    if (!is_lost) kept.emplace_back(files[i]);
  }
  return kept;
}

}  // namespace hamster::ec::testing

#endif  // HAMSTER_EC_TESTS_TEST_UTIL_H_
