// A simulated network over virtual time: per-message random delay (which also reorders),
// loss, duplication, occasional long delays, and partitions given as blocked directed links
// (symmetric partitions block both directions, asymmetric ones a single direction).

#ifndef HAMSTER_TESTS_SIM_SIM_NETWORK_H_
#define HAMSTER_TESTS_SIM_SIM_NETWORK_H_

#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "event_loop.h"
#include "interfaces.h"
#include "random.h"

namespace hamster::sim {

struct NetworkOptions {
  Duration min_delay = 1 * kMillisecond;
  Duration max_delay = 10 * kMillisecond;
  double loss = 0;       // probability a message is dropped
  double duplicate = 0;  // probability a message is delivered twice
  double slow = 0;       // probability of a delay up to slow_delay_max instead
  Duration slow_delay_max = 200 * kMillisecond;
};

struct NetworkStats {
  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
  uint64_t delivered = 0;
};

template <typename Payload>
class SimNetwork final : public Network<Payload> {
 public:
  using Handler = std::function<void(Payload)>;

  SimNetwork(EventLoop& loop, Random random, NetworkOptions options)
      : loop_(loop), random_(random), options_(options) {}

  // A node without a handler is down: messages to it are lost on arrival.
  void SetHandler(uint64_t node, Handler handler) { handlers_[node] = std::move(handler); }
  void RemoveHandler(uint64_t node) { handlers_.erase(node); }

  void Send(uint64_t from, uint64_t to, Payload payload) override {
    ++stats_.sent;
    if (blocked_.count({from, to}) || random_.Chance(options_.loss)) {
      ++stats_.dropped;
      return;
    }
    if (random_.Chance(options_.duplicate)) {
      ++stats_.duplicated;
      Deliver(to, payload);
    }
    Deliver(to, std::move(payload));
  }

  void Block(uint64_t from, uint64_t to) { blocked_.insert({from, to}); }
  void Unblock(uint64_t from, uint64_t to) { blocked_.erase({from, to}); }
  bool Blocked(uint64_t from, uint64_t to) const { return blocked_.count({from, to}) > 0; }
  // Blocks every link between different groups, both ways.
  void Partition(const std::vector<std::vector<uint64_t>>& groups) {
    for (size_t a = 0; a < groups.size(); ++a) {
      for (size_t b = 0; b < groups.size(); ++b) {
        if (a == b) continue;
        for (uint64_t x : groups[a]) {
          for (uint64_t y : groups[b]) Block(x, y);
        }
      }
    }
  }
  void Heal() { blocked_.clear(); }
  const std::set<std::pair<uint64_t, uint64_t>>& blocked() const { return blocked_; }

  NetworkOptions& options() { return options_; }
  const NetworkStats& stats() const { return stats_; }

 private:
  void Deliver(uint64_t to, Payload payload) {
    const Duration delay = random_.Chance(options_.slow)
                               ? random_.Range(options_.max_delay, options_.slow_delay_max)
                               : random_.Range(options_.min_delay, options_.max_delay);
    loop_.After(delay, [this, to, payload = std::move(payload)]() mutable {
      auto it = handlers_.find(to);
      if (it == handlers_.end()) {
        ++stats_.dropped;
        return;
      }
      ++stats_.delivered;
      it->second(std::move(payload));
    });
  }

  EventLoop& loop_;
  Random random_;
  NetworkOptions options_;
  NetworkStats stats_;
  std::map<uint64_t, Handler> handlers_;
  std::set<std::pair<uint64_t, uint64_t>> blocked_;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_SIM_NETWORK_H_
