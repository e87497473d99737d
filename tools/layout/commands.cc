// hamster-layout's commands that change a layout file.

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "format.h"
#include "tool.h"

namespace hamster::layout_tool {
namespace {

// Applies --zone, --capacity and --gateway to `role`.
absl::Status ApplyRoleOptions(const ParsedArgs& parsed, layout::NodeRole& role) {
  if (parsed.flag("--gateway") && parsed.option("--capacity")) {
    return absl::InvalidArgumentError("a node has --capacity or is a --gateway, not both");
  }
  if (auto zone = parsed.option("--zone")) role.zone = *zone;
  if (parsed.flag("--gateway")) {
    role.kind = layout::NodeKind::kGateway;
    role.capacity_bytes = 0;
  }
  if (auto capacity = parsed.option("--capacity")) {
    absl::StatusOr<int64_t> bytes = ParseSize("--capacity", *capacity);
    if (!bytes.ok()) return bytes.status();
    role.kind = layout::NodeKind::kStorage;
    role.capacity_bytes = *bytes;
  }
  return absl::OkStatus();
}

std::optional<layout::NodeRole> StagedRole(const layout::Layout& layout, const std::string& id) {
  for (const layout::NodeRole& role : layout.StagedRoles()) {
    if (role.id == id) return role;
  }
  return std::nullopt;
}

absl::Status StageRole(const std::string& command, const ParsedArgs& parsed,
                       layout::Layout& layout) {
  const std::string& id = parsed.positionals[1];
  if (command == "remove") return layout.StageRemove(id);
  if (command == "add") {
    if (!parsed.option("--zone")) return absl::InvalidArgumentError("add needs --zone");
    if (!parsed.option("--capacity") && !parsed.flag("--gateway")) {
      return absl::InvalidArgumentError("add needs --capacity SIZE or --gateway");
    }
    layout::NodeRole role{.id = id};
    if (absl::Status options = ApplyRoleOptions(parsed, role); !options.ok()) return options;
    return layout.StageAdd(role);
  }
  std::optional<layout::NodeRole> role = StagedRole(layout, id);
  if (!role) {
    // Not in the next version: the library says why (unknown, or staged to
    // be removed) for any valid role.
    return layout.StageUpdate({.id = id, .zone = "unknown", .capacity_bytes = 1});
  }
  if (absl::Status options = ApplyRoleOptions(parsed, *role); !options.ok()) return options;
  return layout.StageUpdate(*role);
}

}  // namespace

int RunRoleCommand(const std::string& command, std::span<char* const> args) {
  const bool remove = command == "remove";
  absl::StatusOr<ParsedArgs> parsed =
      Arguments(command, args, {"FILE", "NODE"},
                remove ? std::set<std::string>{} : std::set<std::string>{"--zone", "--capacity"},
                remove ? std::set<std::string>{} : std::set<std::string>{"--gateway"});
  if (!parsed.ok()) return Fail(parsed.status());
  const std::string& path = parsed->positionals[0];
  absl::StatusOr<layout::Layout> loaded = Load(path);
  if (!loaded.ok()) return Fail(loaded.status());
  if (absl::Status staged = StageRole(command, *parsed, *loaded); !staged.ok()) {
    return Fail(staged);
  }
  if (int stored = Store(path, *loaded); stored != 0) return stored;
  std::fputs(FormatStaged(*loaded).c_str(), stdout);
  return 0;
}

int RunParameterCommand(const std::string& command, std::span<char* const> args) {
  const bool revert = command == "revert";
  absl::StatusOr<ParsedArgs> parsed =
      Arguments(command, args,
                revert ? std::vector<std::string>{"FILE"}
                       : std::vector<std::string>{"FILE", command == "profile" ? "K+M" : "SIZE"},
                {});
  if (!parsed.ok()) return Fail(parsed.status());
  const std::string& path = parsed->positionals[0];
  absl::StatusOr<layout::Layout> loaded = Load(path);
  if (!loaded.ok()) return Fail(loaded.status());
  if (revert) {
    loaded->RevertStaged();
  } else if (command == "profile") {
    absl::StatusOr<std::optional<layout::Profile>> profile = ParseProfile(parsed->positionals[1]);
    if (!profile.ok()) return Fail(profile.status());
    if (absl::Status staged = loaded->StageProfile(*profile); !staged.ok()) return Fail(staged);
  } else {
    absl::StatusOr<int64_t> size = ParseSize("the threshold", parsed->positionals[1]);
    if (!size.ok()) return Fail(size.status());
    if (*size < 0) return Fail(absl::InvalidArgumentError("the threshold must be >= 0"));
    loaded->StageSmallObjectThreshold(uint64_t(*size));
  }
  if (int stored = Store(path, *loaded); stored != 0) return stored;
  std::fputs(FormatStaged(*loaded).c_str(), stdout);
  return 0;
}

int RunPlanOrApply(const std::string& command, std::span<char* const> args) {
  const bool apply = command == "apply";
  absl::StatusOr<ParsedArgs> parsed =
      Arguments(command, args, {"FILE"},
                apply ? std::set<std::string>{"--version"} : std::set<std::string>{}, {"--moves"});
  if (!parsed.ok()) return Fail(parsed.status());
  const std::string& path = parsed->positionals[0];
  absl::StatusOr<layout::Layout> loaded = Load(path);
  if (!loaded.ok()) return Fail(loaded.status());
  layout::ApplyOptions options;
  if (auto version = parsed->option("--version")) {
    absl::StatusOr<uint64_t> number = ParseNumber("--version", *version);
    if (!number.ok()) return Fail(number.status());
    options.expected_version = *number;
  }
  const std::optional<layout::LayoutVersion> before =
      loaded->has_version() ? std::optional<layout::LayoutVersion>(loaded->current())
                            : std::nullopt;
  absl::StatusOr<layout::ApplyResult> result = loaded->Preview(options);
  if (!result.ok()) return Fail(result.status());
  std::string out = FormatReport(result->report);
  if (before && result->report.changed) {
    absl::StrAppend(
        &out, FormatMoves(layout::MovePlan(*before, result->version), parsed->flag("--moves")));
  }
  if (apply) {
    absl::StatusOr<layout::ApplyReport> applied = loaded->Apply(options);
    if (!applied.ok()) return Fail(applied.status());
    if (int stored = Store(path, *loaded); stored != 0) return stored;
    absl::StrAppend(&out,
                    result->report.changed
                        ? absl::StrCat("applied: version ", applied->version, " is current",
                                       loaded->TransitionOpen() ? "; migration pending" : "", "\n")
                        : "staged changes cleared\n");
  } else {
    absl::StrAppend(&out, "preview only: nothing was changed (hamster-layout apply ", path, ")\n");
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

int RunSync(std::span<char* const> args) {
  absl::StatusOr<ParsedArgs> parsed =
      Arguments("sync", args, {"FILE"}, {"--version", "--partition"}, {"--all"});
  if (!parsed.ok()) return Fail(parsed.status());
  const std::string& path = parsed->positionals[0];
  std::optional<std::string> version_text = parsed->option("--version");
  std::optional<std::string> partition_text = parsed->option("--partition");
  if (!version_text || (partition_text.has_value() == parsed->flag("--all"))) {
    return Fail(
        absl::InvalidArgumentError("sync needs --version V and one of --partition P, --all"));
  }
  absl::StatusOr<uint64_t> version = ParseNumber("--version", *version_text);
  if (!version.ok()) return Fail(version.status());
  absl::StatusOr<layout::Layout> loaded = Load(path);
  if (!loaded.ok()) return Fail(loaded.status());
  uint64_t first = 0;
  uint64_t last = loaded->partition_count() - 1;
  if (partition_text) {
    absl::StatusOr<uint64_t> partition = ParseNumber("--partition", *partition_text);
    if (!partition.ok()) return Fail(partition.status());
    first = last = std::min<uint64_t>(*partition, UINT32_MAX);
  }
  for (uint64_t p = first; p <= last; ++p) {
    if (absl::Status marked = loaded->MarkSynced(*version, uint32_t(p)); !marked.ok()) {
      return Fail(marked);
    }
  }
  if (int stored = Store(path, *loaded); stored != 0) return stored;
  if (loaded->TransitionOpen()) {
    std::printf("%u of %u partitions not yet synced to version %lu\n",
                loaded->UnsyncedPartitionCount(), loaded->partition_count(),
                static_cast<unsigned long>(loaded->current().version()));
  } else {
    std::printf("transition closed: version %lu is the only live version\n",
                static_cast<unsigned long>(loaded->current().version()));
  }
  return 0;
}

}  // namespace hamster::layout_tool
