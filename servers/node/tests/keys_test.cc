// The metadata key encoding: order-preserving, prefix scans exact.
#include "src/keys.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace hamster::node {
namespace {

// Keys drawn from a small alphabet rich in the bytes the encoding treats
// specially (0x00, 0x01, 0xff) and path characters, so prefixes and ties are
// common.
std::string RandomKey(std::mt19937_64& rng) {
  static const char kAlphabet[] = {'\0', '\x01', '\x02', '\x1f', '/',    '.',
                                   'a',  'b',    '\x7f', '\x80', '\xfe', '\xff'};
  std::string key(rng() % 6, '\0');
  for (char& c : key) c = kAlphabet[rng() % sizeof kAlphabet];
  return key;
}

TEST_CASE("Keys: object keys sort like (bucket, key) in byte order", "[node]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4, 5);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const std::string b1 = RandomKey(rng), k1 = RandomKey(rng);
    const std::string b2 = rng() % 2 ? b1 : RandomKey(rng), k2 = RandomKey(rng);
    const bool tuple_less = std::make_pair(b1, k1) < std::make_pair(b2, k2);
    const bool encoded_less = keys::ObjectKey(b1, k1) < keys::ObjectKey(b2, k2);
    CHECK(tuple_less == encoded_less);
    CHECK((keys::ObjectKey(b1, k1) == keys::ObjectKey(b2, k2)) == (b1 == b2 && k1 == k2));
  }
}

TEST_CASE("Keys: a prefix range holds exactly the keys with that prefix", "[node]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4, 5);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const std::string bucket = RandomKey(rng), other_bucket = RandomKey(rng);
    const std::string key = RandomKey(rng), prefix = RandomKey(rng).substr(0, rng() % 3);
    const std::string start = keys::ObjectPrefix(bucket, prefix);
    const std::string end = keys::PrefixEnd(start);
    for (const std::string& b : {bucket, other_bucket}) {
      const std::string encoded = keys::ObjectKey(b, key);
      const bool in_range = encoded >= start && (end.empty() || encoded < end);
      const bool expected = b == bucket && key.compare(0, prefix.size(), prefix) == 0;
      INFO("prefix size " << prefix.size() << " key size " << key.size());
      CHECK(in_range == expected);
    }
  }
}

TEST_CASE("Keys: components decode back, and malformed ones are refused", "[node]") {
  const uint64_t seed = GENERATE(1, 2);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 500; ++i) {
    const std::string a = RandomKey(rng), b = RandomKey(rng);
    std::string encoded;
    keys::AppendComponent(&encoded, a);
    keys::AppendComponent(&encoded, b);
    std::string_view in = encoded;
    CHECK(keys::ConsumeComponent(&in) == a);
    CHECK(keys::ConsumeComponent(&in) == b);
    CHECK(in.empty());
  }
  for (const std::string& bad :
       {std::string("abc"), std::string("a\0", 2), std::string("a\0\x02", 3)}) {
    std::string_view in = bad;
    CHECK(!keys::ConsumeComponent(&in).has_value());
  }
}

TEST_CASE("Keys: PrefixEnd, Successor and integers", "[node]") {
  CHECK(keys::PrefixEnd("ab") == "ac");
  CHECK(keys::PrefixEnd("a\xff\xff") == "b");
  CHECK(keys::PrefixEnd("\xff").empty());
  CHECK(keys::Successor("a") == std::string("a\0", 2));
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{1} << 40, ~uint64_t{0}}) {
    CHECK(keys::DecodeUint64(keys::EncodeUint64(v)) == v);
  }
  CHECK(keys::EncodeUint64(255) < keys::EncodeUint64(256));
  CHECK(!keys::DecodeUint64("short").has_value());
  ec::DataId id{};
  id[3] = 7;
  CHECK(keys::DataIdOfGarbageKey(keys::GarbageKey(id)) == id);
  CHECK(!keys::DataIdOfGarbageKey(keys::ReferenceKey(id)).has_value());
  // Parts of an upload sort by number.
  CHECK(keys::PartKey("b", "k", "u", 2) < keys::PartKey("b", "k", "u", 10));
  CHECK(keys::PartKey("b", "k", "u", 10000) < keys::PrefixEnd(keys::PartPrefix("b", "k", "u")));
  CHECK(keys::PartKey("b", "k", "u", 1) > keys::PrefixEnd(keys::PartPrefix("b", "", "u")));
}

}  // namespace
}  // namespace hamster::node
