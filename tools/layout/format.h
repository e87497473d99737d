#ifndef HAMSTER_TOOLS_LAYOUT_FORMAT_H_
#define HAMSTER_TOOLS_LAYOUT_FORMAT_H_

// What hamster-layout prints: the layout, its staged changes, a change's
// usage table and move plan.

#include <cstdint>
#include <string>
#include <vector>

#include "hamster/layout/layout.h"
#include "hamster/layout/report.h"

namespace hamster::layout_tool {

// "4.00 TiB", "512 B".
std::string FormatBytes(uint64_t bytes);

// The current version, its transition, the usage table and staged changes;
// with `partitions`, every partition's nodes and sync state too.
std::string FormatLayout(const std::string& path, const layout::Layout& layout, bool partitions);

std::string FormatStaged(const layout::Layout& layout);

// A change: versions, profile, zone rule, moves against the minimum, the
// per-node table and the notes.
std::string FormatReport(const layout::ApplyReport& report);

// The move plan: shards per (from, to) pair, or every move when `every`.
std::string FormatMoves(const std::vector<layout::ShardMove>& moves, bool every);

}  // namespace hamster::layout_tool

#endif  // HAMSTER_TOOLS_LAYOUT_FORMAT_H_
