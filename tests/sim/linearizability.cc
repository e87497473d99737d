#include "linearizability.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace hamster::sim {
namespace {

// The set of linearized operations, as a bitset over the key's operations.
struct Bits {
  std::vector<uint64_t> words;
  explicit Bits(size_t count) : words((count + 63) / 64) {}
  void Set(size_t i) { words[i / 64] |= uint64_t{1} << (i % 64); }
  void Clear(size_t i) { words[i / 64] &= ~(uint64_t{1} << (i % 64)); }
  bool operator==(const Bits&) const = default;
};

struct StateKey {
  Bits linearized;
  uint64_t value;
  bool operator==(const StateKey&) const = default;
};

struct StateKeyHash {
  size_t operator()(const StateKey& key) const {
    uint64_t h = key.value * 0x9e3779b97f4a7c15ULL;
    for (uint64_t word : key.linearized.words) h = (h ^ word) * 0xff51afd7ed558ccdULL;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

// One node of the doubly linked event list: a call or a return of operation `op`.
struct Event {
  size_t op;
  bool call;
  Time time;
  Event* prev = nullptr;
  Event* next = nullptr;
  Event* match = nullptr;  // a call's return
};

void Lift(Event* call) {
  call->prev->next = call->next;
  call->next->prev = call->prev;
  Event* ret = call->match;
  ret->prev->next = ret->next;
  if (ret->next) ret->next->prev = ret->prev;
}

void Unlift(Event* call) {
  Event* ret = call->match;
  ret->prev->next = ret;
  if (ret->next) ret->next->prev = ret;
  call->prev->next = call;
  call->next->prev = call;
}

// Builds the event list sorted by time; at equal times calls come first, so operations that
// touch in time count as concurrent (the weaker, safe reading).
std::vector<Event> BuildEvents(const std::vector<KvOperation>& ops) {
  std::vector<Event> events;
  events.reserve(2 * ops.size() + 1);
  events.push_back(Event{.op = 0, .call = true, .time = 0});  // the list head
  for (size_t i = 0; i < ops.size(); ++i) {
    events.push_back(Event{.op = i, .call = true, .time = ops[i].invoke});
    events.push_back(Event{.op = i, .call = false, .time = ops[i].complete});
  }
  std::stable_sort(events.begin() + 1, events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.call && !b.call;
  });
  std::vector<Event*> call_of(ops.size());
  for (size_t i = 1; i < events.size(); ++i) {
    events[i].prev = &events[i - 1];
    events[i - 1].next = &events[i];
    if (events[i].call) call_of[events[i].op] = &events[i];
  }
  for (size_t i = 1; i < events.size(); ++i) {
    if (!events[i].call) call_of[events[i].op]->match = &events[i];
  }
  return events;
}

std::string Explain(const std::string& key, const std::vector<KvOperation>& ops, size_t best_prefix,
                    const std::string& reason) {
  std::ostringstream out;
  out << "key '" << key << "' is not linearizable" << reason << "; at most " << best_prefix
      << " of its " << ops.size() << " operations could be ordered. Operations by invocation:";
  std::vector<KvOperation> sorted = ops;
  std::sort(sorted.begin(), sorted.end(),
            [](const KvOperation& a, const KvOperation& b) { return a.invoke < b.invoke; });
  size_t shown = 0;
  for (const KvOperation& op : sorted) {
    if (++shown > 80) {
      out << "\n  ... " << sorted.size() - 80 << " more";
      break;
    }
    out << "\n  " << DescribeOperation(op);
  }
  return out.str();
}

LinearizabilityResult CheckKey(const std::string& key, const std::vector<KvOperation>& ops,
                               uint64_t max_states) {
  std::vector<Event> events = BuildEvents(ops);
  Event* head = &events[0];
  struct Frame {
    Event* call;
    uint64_t value;
  };
  std::vector<Frame> calls;
  std::unordered_set<StateKey, StateKeyHash> seen;
  Bits linearized(ops.size());
  uint64_t value = 0;
  size_t best = 0;
  Event* entry = head->next;
  while (head->next != nullptr) {
    if (entry->call) {
      const KvOperation& op = ops[entry->op];
      const bool legal = op.write || op.value == value;
      const uint64_t next_value = op.write ? op.value : value;
      if (legal) {
        Bits next = linearized;
        next.Set(entry->op);
        if (seen.insert(StateKey{next, next_value}).second) {
          if (seen.size() > max_states) {
            return LinearizabilityResult{
                .linearizable = false,
                .exhausted = true,
                .explanation = Explain(key, ops, best, " (search budget exhausted)")};
          }
          calls.push_back(Frame{entry, value});
          value = next_value;
          linearized = next;
          best = std::max(best, calls.size());
          Lift(entry);
          entry = head->next;
          continue;
        }
      }
      entry = entry->next;
      continue;
    }
    // A return whose operation could not be linearized before it: backtrack.
    if (calls.empty()) {
      return LinearizabilityResult{.linearizable = false,
                                   .explanation = Explain(key, ops, best, "")};
    }
    Frame frame = calls.back();
    calls.pop_back();
    value = frame.value;
    linearized.Clear(frame.call->op);
    Unlift(frame.call);
    entry = frame.call->next;
  }
  return LinearizabilityResult{};
}

}  // namespace

std::string DescribeOperation(const KvOperation& op) {
  std::ostringstream out;
  out << "#" << op.id << " client " << op.client << " " << (op.write ? "write " : "read ") << op.key
      << (op.write ? " := " : " -> ") << op.value << "  [" << op.invoke << ", ";
  if (op.complete == kNever) {
    out << "timeout)";
  } else {
    out << op.complete << "]";
  }
  return out.str();
}

LinearizabilityResult CheckLinearizable(const std::vector<KvOperation>& history,
                                        uint64_t max_states_per_key) {
  std::map<std::string, std::vector<KvOperation>> by_key;
  std::set<std::pair<std::string, uint64_t>> observed;
  for (const KvOperation& op : history) {
    assert(op.write || op.complete != kNever);
    if (!op.write) observed.insert({op.key, op.value});
  }
  for (const KvOperation& op : history) {
    // A write that timed out and that no read saw can always take effect last: it constrains
    // nothing, and leaving it out keeps the search small.
    if (op.write && op.complete == kNever && !observed.count({op.key, op.value})) continue;
    by_key[op.key].push_back(op);
  }
  for (const auto& [key, ops] : by_key) {
    LinearizabilityResult result = CheckKey(key, ops, max_states_per_key);
    if (!result.linearizable) return result;
  }
  return LinearizabilityResult{};
}

}  // namespace hamster::sim
