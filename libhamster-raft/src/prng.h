// SplitMix64: a small, fast generator whose whole state is one seed, so runs replay exactly.

#ifndef HAMSTER_RAFT_SRC_PRNG_H_
#define HAMSTER_RAFT_SRC_PRNG_H_

#include <cstdint>

namespace hamster::raft {

class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound). REQUIRES: bound > 0.
  uint64_t Below(uint64_t bound) { return Next() % bound; }

 private:
  uint64_t state_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_SRC_PRNG_H_
