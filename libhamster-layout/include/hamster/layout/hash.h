#ifndef HAMSTER_LAYOUT_HASH_H_
#define HAMSTER_LAYOUT_HASH_H_

// The stable hash that maps an object key (or data id) to a partition. Every
// node of every build must compute the same partition for the same key
// forever, so this is part of the layout format (docs/adr/0007): the
// algorithm is written out here rather than borrowed from a hash table
// library whose seed or algorithm may change between releases or processes.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string_view>

namespace hamster::layout {

// A 64-bit hash of `bytes`: 16-byte blocks folded with 64x64->128-bit
// multiplications, then a final avalanche. Not cryptographic: a client who
// chooses keys can choose their partitions, which only skews load.
uint64_t KeyHash(std::string_view bytes);

// Maps a hash to [0, partition_count) by the high half of hash * count, which
// spreads evenly for any count, not only powers of two.
// REQUIRES: partition_count >= 1.
inline uint32_t PartitionOfHash(uint64_t hash, uint32_t partition_count) {
  return uint32_t((static_cast<unsigned __int128>(hash) * partition_count) >> 64);
}

}  // namespace hamster::layout

#endif  // HAMSTER_LAYOUT_HASH_H_
