// What happened in a run, for a failure report: the last lines are kept, and everything is
// printed as it happens when verbose.

#ifndef HAMSTER_TESTS_SIM_TRACE_H_
#define HAMSTER_TESTS_SIM_TRACE_H_

#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "interfaces.h"

namespace hamster::sim {

class Trace {
 public:
  explicit Trace(bool verbose, size_t keep = 400) : verbose_(verbose), keep_(keep) {}
  void Add(Time now, const std::string& line) {
    char stamp[32];
    std::snprintf(stamp, sizeof(stamp), "%10.6fs ", static_cast<double>(now) / kSecond);
    std::string text = stamp + line;
    if (verbose_) std::fprintf(stderr, "%s\n", text.c_str());
    lines_.push_back(std::move(text));
    if (lines_.size() > keep_) lines_.pop_front();
  }
  bool verbose() const { return verbose_; }
  std::vector<std::string> Tail() const { return {lines_.begin(), lines_.end()}; }

 private:
  bool verbose_;
  size_t keep_;
  std::deque<std::string> lines_;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_TRACE_H_
