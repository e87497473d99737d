#include "format.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hamster::layout_tool {
namespace {

using layout::ApplyReport;
using layout::Layout;
using layout::LayoutVersion;
using layout::NodeRole;
using layout::NodeUsage;

std::string Percent(double fraction) { return absl::StrFormat("%.1f", 100 * fraction); }

std::string RoleText(const NodeRole& role) {
  if (!role.storage()) return absl::StrCat("zone ", role.zone, ", gateway");
  return absl::StrCat("zone ", role.zone, ", storage, ", FormatBytes(role.capacity_bytes));
}

std::string ProfileText(const std::optional<layout::Profile>& profile) {
  return profile ? layout::ProfileName(*profile) : "auto (the ladder)";
}

std::string ZoneRuleText(const ApplyReport& report) {
  return absl::StrCat("zone rule: at most ", report.max_shards_per_zone, " of ",
                      report.profile.shard_count(), " shards per zone; ",
                      report.survives_zone_loss ? "losing a zone leaves every object readable"
                                                : "losing a zone can lose objects");
}

std::string UsageTable(const ApplyReport& report, bool with_moves) {
  std::string out = absl::StrFormat("  %-16s %-10s %11s %15s", "NODE", "ZONE", "CAPACITY",
                                    with_moves ? "SHARDS BEFORE>AFTER" : "SHARDS");
  if (with_moves) absl::StrAppend(&out, absl::StrFormat(" %6s %6s", "IN", "OUT"));
  absl::StrAppend(&out, absl::StrFormat(" %7s %7s %7s\n", "DATA%", "CAP%", "FILL%"));
  for (const NodeUsage& node : report.nodes) {
    const std::string shards =
        with_moves ? absl::StrCat(node.previous_shard_count, " > ", node.shard_count)
                   : absl::StrCat(node.shard_count);
    absl::StrAppend(&out, absl::StrFormat("  %-16s %-10s %11s %15s", node.id, node.zone,
                                          FormatBytes(node.capacity_bytes), shards));
    if (with_moves) {
      absl::StrAppend(&out, absl::StrFormat(" %6d %6d", node.moved_in_count, node.moved_out_count));
    }
    absl::StrAppend(
        &out, absl::StrFormat(" %7s %7s %7s\n", Percent(node.data_share),
                              Percent(node.capacity_share), Percent(node.fill_at_usable_capacity)));
  }
  absl::StrAppend(&out, "  usable capacity: ", FormatBytes(report.usable_capacity_bytes),
                  " of user data with ", layout::ProfileName(report.profile),
                  " (FILL% = how full each node is when the first one is full)\n");
  return out;
}

std::string TransitionText(const Layout& layout) {
  if (!layout.TransitionOpen()) {
    return absl::StrCat("transition: none (version ", layout.current().version(),
                        " is the only live version)\n");
  }
  return absl::StrCat("transition: open: versions ", layout.live_versions().front().version(),
                      " to ", layout.current().version(), " are live; ",
                      layout.UnsyncedPartitionCount(), " of ", layout.partition_count(),
                      " partitions not yet synced to version ", layout.current().version(), "\n");
}

std::string PartitionsText(const Layout& layout) {
  std::string out = "partitions (shard 0 first; synced = the version holding all its data):\n";
  const LayoutVersion& version = layout.current();
  for (uint32_t p = 0; p < layout.partition_count(); ++p) {
    absl::StrAppend(&out, absl::StrFormat("  %5u  synced %-4d", p, layout.SyncedVersion(p)));
    for (layout::NodeIndex n : version.ShardNodes(p, layout::ObjectClass::kLarge)) {
      absl::StrAppend(&out, " ", version.nodes()[n].id);
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  double value = double(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.2f %s", value, kUnits[unit]);
}

std::string FormatStaged(const Layout& layout) {
  if (!layout.has_staged_changes()) return "staged changes: none\n";
  std::string out = "staged changes (preview: hamster-layout plan; apply: hamster-layout apply):\n";
  for (const layout::StagedChange& change : layout.staged_changes()) {
    const LayoutVersion* current = layout.has_version() ? &layout.current() : nullptr;
    std::optional<layout::NodeIndex> index;
    if (current != nullptr) index = current->FindNode(change.node_id);
    if (!change.role) {
      absl::StrAppend(&out, "  remove  ", change.node_id, "\n");
    } else if (!index) {
      absl::StrAppend(&out, "  add     ", change.node_id, " (", RoleText(*change.role), ")\n");
    } else {
      absl::StrAppend(&out, "  update  ", change.node_id, ": ", RoleText(current->nodes()[*index]),
                      " -> ", RoleText(*change.role), "\n");
    }
  }
  if (const auto& staged = layout.staged_parameters()) {
    const layout::LayoutParameters& now = layout.parameters();
    if (staged->pinned_profile != now.pinned_profile) {
      absl::StrAppend(&out, "  profile ", ProfileText(now.pinned_profile), " -> ",
                      ProfileText(staged->pinned_profile), "\n");
    }
    if (staged->small_object_threshold_bytes != now.small_object_threshold_bytes) {
      absl::StrAppend(&out, "  small-object threshold ",
                      FormatBytes(now.small_object_threshold_bytes), " -> ",
                      FormatBytes(staged->small_object_threshold_bytes), "\n");
    }
    if (staged->ladder != now.ladder) absl::StrAppend(&out, "  profile ladder changed\n");
  }
  return out;
}

std::string FormatLayout(const std::string& path, const Layout& layout, bool partitions) {
  std::string out = absl::StrCat(path, ": ", layout.partition_count(), " partitions, ");
  const layout::LayoutParameters& parameters = layout.parameters();
  if (!layout.has_version()) {
    absl::StrAppend(&out, "no version yet; profile ", ProfileText(parameters.pinned_profile), "\n",
                    FormatStaged(layout));
    return out;
  }
  const LayoutVersion& version = layout.current();
  const ApplyReport report = layout::DescribeVersion(version);
  absl::StrAppend(
      &out, "version ", version.version(), "\n", "profile ", layout::ProfileName(version.profile()),
      parameters.pinned_profile ? " (pinned)" : " (from the ladder)", "; objects below ",
      FormatBytes(version.small_object_threshold_bytes()), ": ",
      layout::ProfileName(version.profile(layout::ObjectClass::kSmall)), "\n",
      version.storage_node_count(), " storage nodes in ", version.zone_count(), " zone(s), ",
      version.nodes().size() - version.storage_node_count(), " gateway(s)\n", ZoneRuleText(report),
      "\n", TransitionText(layout), UsageTable(report, false));
  for (const NodeRole& node : version.nodes()) {
    if (!node.storage()) absl::StrAppend(&out, "  gateway: ", node.id, " (zone ", node.zone, ")\n");
  }
  for (const std::string& note : report.notes) absl::StrAppend(&out, "note: ", note, "\n");
  absl::StrAppend(&out, FormatStaged(layout));
  if (partitions) absl::StrAppend(&out, PartitionsText(layout));
  return out;
}

std::string FormatReport(const ApplyReport& report) {
  if (!report.changed) {
    return absl::StrCat("no change: the staged changes leave version ", report.version,
                        " as it is\n");
  }
  std::string out =
      report.previous_version == 0
          ? absl::StrCat("version ", report.version, " (the first)\n")
          : absl::StrCat("version ", report.previous_version, " -> ", report.version, "\n");
  absl::StrAppend(&out, "profile ", layout::ProfileName(report.previous_profile), " -> ",
                  layout::ProfileName(report.profile), "; ", report.storage_node_count,
                  " storage nodes in ", report.zone_count, " zone(s)\n", ZoneRuleText(report),
                  "\n");
  if (report.previous_version != 0) {
    absl::StrAppend(
        &out, absl::StrFormat("moves: %d of %d partition-shards (%.1f%%); the least these shard "
                              "counts allow: %d; new shard slots (wider profile): %d\n",
                              report.moved_shard_count, report.slot_count,
                              100.0 * double(report.moved_shard_count) / double(report.slot_count),
                              report.minimum_moved_shard_count, report.new_slot_count));
  }
  absl::StrAppend(&out, UsageTable(report, report.previous_version != 0));
  for (const std::string& note : report.notes) absl::StrAppend(&out, "note: ", note, "\n");
  return out;
}

std::string FormatMoves(const std::vector<layout::ShardMove>& moves, bool every) {
  if (moves.empty()) return "move plan: nothing moves\n";
  std::string out = absl::StrCat("move plan (", moves.size(), " partition-shards):\n");
  if (every) {
    for (const layout::ShardMove& move : moves) {
      absl::StrAppend(
          &out,
          absl::StrFormat("  partition %5u shard %2d: %s -> %s\n", move.partition, move.shard_index,
                          move.from_node.empty() ? "(new)" : move.from_node, move.to_node));
    }
    return out;
  }
  std::map<std::pair<std::string, std::string>, int> pairs;
  for (const layout::ShardMove& move : moves) {
    ++pairs[{move.from_node.empty() ? "(new)" : move.from_node, move.to_node}];
  }
  for (const auto& [pair, count] : pairs) {
    absl::StrAppend(
        &out, absl::StrFormat("  %-16s -> %-16s %6d shards\n", pair.first, pair.second, count));
  }
  return out;
}

}  // namespace hamster::layout_tool
