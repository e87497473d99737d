// hamster-ec: an operator's tool to encode, verify, decode and rebuild
// Hamster shard files on bare disks, with no metadata service running.

#include <csignal>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "commands.h"

namespace hamster::ec_tool {
namespace {

constexpr char kUsage[] = R"(usage: hamster-ec <command> [options] [arguments]

Encode, check, decode and rebuild Hamster shard files on bare disks.

commands:
  encode [--k K] [--m M] [--block-size BYTES] [--data-id HEX32] INPUT OUTDIR
      Cut INPUT (a file, or - for stdin) into k+m shard files
      OUTDIR/<name>.shard.<index> (<name> is INPUT's basename, or "object").
      Defaults: k=4, m=2, block size 1048576, a random data id.
  verify SHARD...
      Check every block checksum. Prints OK, the indices of the corrupt
      stripes, or why the file is unusable.
  decode --out FILE [--range OFFSET:LENGTH] SHARD...
      Write the object, or LENGTH bytes of it from OFFSET, decoded from any k
      of its shard files in any order. FILE - is stdout.
  reconstruct --index I[,J...] --out-dir DIR SHARD...
      Rebuild the listed shard indices, byte-identical to the originals, as
      DIR/<name>.shard.<index> (<name> from the first SHARD).
  info SHARD
      Print the header and footer fields of a shard file.
  demo
      Encode a 24 MiB object in memory, lose and corrupt shards, then decode
      and rebuild it, explaining each step.
  help
      Print this message.

Output files are written to a temporary name, fsynced, then renamed.

exit status:
  0  success
  1  verify found a corrupt or unusable shard, or the demo failed
  2  the command could not run: bad arguments, unreadable files, shards of
     different objects, fewer than k usable shards
)";

using Command = int (*)(std::span<char* const>);

struct NamedCommand {
  std::string_view name;
  Command run;
};

constexpr NamedCommand kCommands[] = {
    {"encode", RunEncode},           {"verify", RunVerify}, {"decode", RunDecode},
    {"reconstruct", RunReconstruct}, {"info", RunInfo},     {"demo", RunDemo},
};

}  // namespace

void PrintUsage(std::FILE* out) { std::fputs(kUsage, out); }

int Fail(std::string_view message) {
  std::fprintf(stderr, "hamster-ec: %.*s\n", int(message.size()), message.data());
  return kExitBadInput;
}

int Fail(const absl::Status& status) {
  return Fail(std::string_view(status.message().data(), status.message().size()));
}

int Main(int argc, char** argv) {
  if (argc < 2) return Fail("no command given; run 'hamster-ec help'");
  const std::string_view name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    PrintUsage(stdout);
    return kExitOk;
  }
  const std::span<char* const> args(argv + 2, size_t(argc - 2));
  for (const NamedCommand& command : kCommands) {
    if (command.name == name) return command.run(args);
  }
  return Fail("unknown command '" + std::string(name) + "'; run 'hamster-ec help'");
}

}  // namespace hamster::ec_tool

int main(int argc, char** argv) {
  // A closed stdout pipe (decode --out - | head) becomes an EPIPE error we
  // report, rather than a silent death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  const int exit_code = hamster::ec_tool::Main(argc, argv);
  // A report lost to a full disk or closed pipe must not look like success.
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::fputs("hamster-ec: cannot write to stdout\n", stderr);
    return hamster::ec_tool::kExitBadInput;
  }
  return exit_code;
}
