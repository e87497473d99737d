#ifndef HAMSTER_TOOLS_BENCH_LAYOUT_BENCH_H_
#define HAMSTER_TOOLS_BENCH_LAYOUT_BENCH_H_

// `hamster-bench layout`: how long libhamster-layout's Apply takes for a large
// cluster (first version, one node added, one removed, one resized), how much
// each change moves against the minimum, and placement lookups per
// CPU-second next to the cost of hashing the same keys alone
// (docs/benchmarks.md, "Layout").

#include <string>
#include <vector>

namespace hamster::bench {

// args[0] is "layout". Returns the process exit code: 0, 1 when the layout
// cannot be built, 2 for bad flags.
int RunLayoutCommand(const std::vector<std::string>& args);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_LAYOUT_BENCH_H_
