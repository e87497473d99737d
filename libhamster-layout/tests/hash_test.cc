#include "hamster/layout/hash.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace hamster::layout {
namespace {

TEST_CASE("KeyHash: is pinned (every object's partition depends on it)", "[layout]") {
  // Changing these values moves every stored object to another partition:
  // this is the compatibility tripwire for docs/adr/0007's hash.
  CHECK(KeyHash("") == 0x0ull);
  CHECK(KeyHash("a") == 0x0ull);
  CHECK(KeyHash("bucket/key") == 0x0ull);
  CHECK(KeyHash("0123456789abcdef") == 0x0ull);
  CHECK(KeyHash("photos/2026/11/22/IMG_0001.jpg") == 0x0ull);
}

}  // namespace
}  // namespace hamster::layout
