// hamster-layout: preview and edit a cluster layout offline, in a file,
// before (or without) a running cluster: stage node changes, see the usage
// table and move plan a change would produce, apply it, and record
// migration progress. The file holds what the cluster's replicated state
// holds (libhamster-layout's record, docs/adr/0007).

#include <cstdio>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "file_io.h"
#include "format.h"
#include "tool.h"

namespace hamster::layout_tool {
namespace {

constexpr char kUsage[] = R"(usage: hamster-layout <command> FILE [arguments] [options]

Edit and preview a Hamster cluster layout stored in FILE, offline.

commands:
  init FILE [--partitions N] [--profile K+M|auto] [--small-object-threshold SIZE]
      Create an empty layout (default 256 partitions, the profile from the
      ladder, small objects below 64KiB). Refuses to replace an existing FILE.
  show FILE [--partitions]
      The current version, transition state, usage table and staged changes;
      with --partitions, every partition's nodes and sync state.
  add FILE NODE --zone ZONE (--capacity SIZE | --gateway)
  update FILE NODE [--zone ZONE] [--capacity SIZE | --gateway]
  remove FILE NODE
      Stage a role change for the next version.
  profile FILE K+M|auto
      Stage a pinned profile, or a return to the ladder.
  threshold FILE SIZE
      Stage the small-object threshold (0 turns the rule off).
  revert FILE
      Drop every staged change.
  plan FILE [--moves]
      Preview the next version: moves, usage table and move plan (every
      single move with --moves). Changes nothing.
  apply FILE [--version N] [--moves]
      Compute and store the next version; with --version, only if it would
      be version N. Prints what plan prints.
  sync FILE --version V (--partition P | --all)
      Record that migration copied partition P's (or every partition's) data
      to version V's nodes; the transition closes when all are synced.
  help
      Print this message.

SIZE: bytes, or with a unit: KB MB GB TB PB (powers of 1000), KiB MiB GiB TiB
PiB (powers of 1024). FILE is replaced atomically (temporary file, fsync,
rename).

exit status:
  0  success
  1  FILE could not be written
  2  the command could not run: bad arguments, an unreadable or damaged FILE,
     or a change the layout refuses (the message names the problem)
)";

}  // namespace

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "hamster-layout: %s\n", std::string(status.message()).c_str());
  return kBadInput;
}

absl::StatusOr<layout::Layout> Load(const std::string& path) {
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<layout::Layout> parsed = layout::Layout::Parse(*bytes);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(path, ": ", parsed.status().message()));
  }
  return parsed;
}

int Store(const std::string& path, const layout::Layout& layout) {
  if (absl::Status written = ReplaceFile(path, layout.Serialize()); !written.ok()) {
    std::fprintf(stderr, "hamster-layout: %s\n", std::string(written.message()).c_str());
    return kWriteFailed;
  }
  return 0;
}

absl::StatusOr<ParsedArgs> Arguments(const std::string& command, std::span<char* const> args,
                                     const std::vector<std::string>& positionals,
                                     const std::set<std::string>& values,
                                     const std::set<std::string>& flags) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(command, args, values, flags);
  if (!parsed.ok()) return parsed.status();
  if (parsed->positionals.size() != positionals.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", command, "' takes ", absl::StrJoin(positionals, " "), ", not ",
                     parsed->positionals.size(), " argument(s) (see hamster-layout help)"));
  }
  return parsed;
}

namespace {

int RunInit(std::span<char* const> args) {
  absl::StatusOr<ParsedArgs> parsed =
      Arguments("init", args, {"FILE"}, {"--partitions", "--profile", "--small-object-threshold"});
  if (!parsed.ok()) return Fail(parsed.status());
  const std::string& path = parsed->positionals[0];
  if (FileExists(path)) {
    return Fail(
        absl::AlreadyExistsError(absl::StrCat(path, " exists: init never replaces a layout")));
  }
  layout::LayoutParameters parameters;
  uint64_t partitions = 256;
  if (auto text = parsed->option("--partitions")) {
    absl::StatusOr<uint64_t> number = ParseNumber("--partitions", *text);
    if (!number.ok()) return Fail(number.status());
    partitions = std::min<uint64_t>(*number, uint64_t{1} << 32);
  }
  if (auto text = parsed->option("--profile")) {
    absl::StatusOr<std::optional<layout::Profile>> profile = ParseProfile(*text);
    if (!profile.ok()) return Fail(profile.status());
    parameters.pinned_profile = *profile;
  }
  if (auto text = parsed->option("--small-object-threshold")) {
    absl::StatusOr<int64_t> size = ParseSize("--small-object-threshold", *text);
    if (!size.ok()) return Fail(size.status());
    if (*size < 0) return Fail(absl::InvalidArgumentError("--small-object-threshold must be >= 0"));
    parameters.small_object_threshold_bytes = uint64_t(*size);
  }
  absl::StatusOr<layout::Layout> created =
      layout::Layout::Create(uint32_t(std::min<uint64_t>(partitions, UINT32_MAX)), parameters);
  if (!created.ok()) return Fail(created.status());
  if (int stored = Store(path, *created); stored != 0) return stored;
  std::printf("created %s: %u partitions, no nodes yet\n", path.c_str(),
              created->partition_count());
  return 0;
}

int RunShow(std::span<char* const> args) {
  absl::StatusOr<ParsedArgs> parsed = Arguments("show", args, {"FILE"}, {}, {"--partitions"});
  if (!parsed.ok()) return Fail(parsed.status());
  absl::StatusOr<layout::Layout> loaded = Load(parsed->positionals[0]);
  if (!loaded.ok()) return Fail(loaded.status());
  std::fputs(FormatLayout(parsed->positionals[0], *loaded, parsed->flag("--partitions")).c_str(),
             stdout);
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help" ||
      std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? kBadInput : 0;
  }
  const std::string command = argv[1];
  const std::span<char* const> args(argv + 2, size_t(argc - 2));
  if (command == "init") return RunInit(args);
  if (command == "show") return RunShow(args);
  if (command == "add" || command == "update" || command == "remove") {
    return RunRoleCommand(command, args);
  }
  if (command == "profile" || command == "threshold" || command == "revert") {
    return RunParameterCommand(command, args);
  }
  if (command == "plan" || command == "apply") return RunPlanOrApply(command, args);
  if (command == "sync") return RunSync(args);
  std::fprintf(stderr, "hamster-layout: unknown command '%s' (hamster-layout help)\n",
               command.c_str());
  return kBadInput;
}

}  // namespace hamster::layout_tool

int main(int argc, char** argv) { return hamster::layout_tool::Main(argc, argv); }
