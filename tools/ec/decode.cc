// hamster-ec decode and reconstruct: open any k or more shard files of one
// object with the ObjectDecoder, then write the object (or a range of it), or
// rebuild chosen shard files, durably.

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "args.h"
#include "commands.h"
#include "file_io.h"
#include "hamster/ec/decoder.h"

namespace hamster::ec_tool {
namespace {

constexpr std::string_view kDecodeOptions[] = {"--out", "--range"};
constexpr std::string_view kReconstructOptions[] = {"--index", "--out-dir"};

// The decoder refers to its sources only by position, so the files stay
// here, in the order the operator named them.
struct OpenedObject {
  std::vector<std::unique_ptr<FileShardSource>> files;
  std::unique_ptr<ec::ObjectDecoder> decoder;
};

absl::StatusOr<OpenedObject> OpenObject(const std::vector<std::string>& paths) {
  OpenedObject object;
  std::vector<ec::ShardSource*> sources;
  for (const std::string& path : paths) {
    absl::StatusOr<std::unique_ptr<FileShardSource>> file = FileShardSource::Open(path);
    if (!file.ok()) return file.status();
    sources.push_back(file->get());
    object.files.push_back(*std::move(file));
  }
  absl::StatusOr<std::unique_ptr<ec::ObjectDecoder>> decoder = ec::ObjectDecoder::Open(sources);
  if (!decoder.ok()) {
    // The library's message names shard files by position: say which is which.
    std::vector<std::string> legend;
    for (size_t i = 0; i < paths.size(); ++i) legend.push_back(absl::StrCat("#", i, " ", paths[i]));
    return absl::Status(decoder.status().code(),
                        absl::StrCat("cannot use these shard files: ", decoder.status().message(),
                                     " [", absl::StrJoin(legend, ", "), "]"));
  }
  object.decoder = *std::move(decoder);
  return object;
}

void PrintExclusions(std::FILE* out, const OpenedObject& object) {
  for (const ec::ExcludedShard& excluded : object.decoder->excluded()) {
    const std::string message(excluded.reason.message());
    std::fprintf(out, "excluded %s: %s\n", object.files[excluded.source_position]->path().c_str(),
                 message.c_str());
  }
}

void PrintStats(std::FILE* out, const ec::DecoderStats& stats) {
  std::fprintf(out,
               "blocks read: %" PRIu64 ", corrupt blocks skipped: %" PRIu64
               ", stripes decoded with parity: %" PRIu64 "\n",
               stats.blocks_read, stats.blocks_corrupt, stats.stripes_decoded);
}

// Writes bytes [offset, offset + length) of the object to stdout.
absl::Status DecodeToStdout(ec::ObjectDecoder& decoder, uint64_t offset, uint64_t length) {
  class StdoutSink : public ec::ByteSink {
   public:
    absl::Status Append(std::span<const uint8_t> bytes) override {
      return Named(writer_.Append(bytes));
    }
    absl::Status Flush() { return Named(writer_.Flush()); }

   private:
    static absl::Status Named(const absl::Status& s) {
      if (s.ok()) return s;
      return absl::Status(s.code(), absl::StrCat("stdout: ", s.message()));
    }
    BufferedWriter writer_{STDOUT_FILENO};
  } sink;
  if (absl::Status s = decoder.ReadRange(offset, length, sink); !s.ok()) return s;
  return sink.Flush();
}

absl::Status DecodeToFile(ec::ObjectDecoder& decoder, uint64_t offset, uint64_t length,
                          const std::string& path) {
  absl::StatusOr<std::unique_ptr<DurableFile>> file = DurableFile::Create(path);
  if (!file.ok()) return file.status();
  if (absl::Status s = decoder.ReadRange(offset, length, **file); !s.ok()) return s;
  if (absl::Status s = (*file)->Commit(); !s.ok()) return s;
  return FsyncDirectory(Dirname(path));
}

// "x.shard.3" -> "x"; a name without that suffix is kept whole.
std::string ObjectNameOf(const std::string& shard_path) {
  const std::string name = Basename(shard_path);
  const size_t dot = name.rfind(".shard.");
  if (dot == std::string::npos) return name;
  const std::string digits = name.substr(dot + 7);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return name;
  return name.substr(0, dot);
}

}  // namespace

int RunDecode(std::span<char* const> words) {
  absl::StatusOr<ParsedArgs> args = ParseArgs("decode", words, kDecodeOptions);
  if (!args.ok()) return Fail(args.status());
  if (args->help) return PrintUsage(stdout), kExitOk;
  const std::optional<std::string> out = args->option("--out");
  if (!out.has_value()) return Fail("decode needs --out FILE (or --out - for stdout)");
  if (args->positionals.empty()) return Fail("decode needs at least one SHARD file");
  std::optional<std::pair<uint64_t, uint64_t>> range;
  if (std::optional<std::string> text = args->option("--range")) {
    absl::StatusOr<std::pair<uint64_t, uint64_t>> parsed = ParseRange(*text);
    if (!parsed.ok()) return Fail(parsed.status());
    range = *parsed;
  }
  for (const std::string& shard : args->positionals) {
    // Renaming the output over a shard would destroy the data being decoded.
    if (*out != "-" && SameFile(*out, shard)) {
      return Fail(absl::StrCat("--out ", *out, " is one of the shard files; choose another path"));
    }
  }
  absl::StatusOr<OpenedObject> object = OpenObject(args->positionals);
  if (!object.ok()) return Fail(object.status());
  ec::ObjectDecoder& decoder = *object->decoder;
  // With the object on stdout, the report must not mix into it.
  std::FILE* report = *out == "-" ? stderr : stdout;
  PrintExclusions(report, *object);
  const uint64_t offset = range ? range->first : 0;
  const uint64_t length = range ? range->second : decoder.object_size_bytes();
  absl::Status decoded = *out == "-" ? DecodeToStdout(decoder, offset, length)
                                     : DecodeToFile(decoder, offset, length, *out);
  if (!decoded.ok()) return Fail(absl::StrCat("cannot decode: ", decoded.message()));
  std::fprintf(
      report, "decoded %" PRIu64 " bytes (offset %" PRIu64 " of a %" PRIu64 "-byte object) to %s\n",
      length, offset, decoder.object_size_bytes(), *out == "-" ? "stdout" : out->c_str());
  PrintStats(report, decoder.stats());
  return kExitOk;
}

int RunReconstruct(std::span<char* const> words) {
  absl::StatusOr<ParsedArgs> args = ParseArgs("reconstruct", words, kReconstructOptions);
  if (!args.ok()) return Fail(args.status());
  if (args->help) return PrintUsage(stdout), kExitOk;
  const std::optional<std::string> index_list = args->option("--index");
  const std::optional<std::string> out_dir = args->option("--out-dir");
  if (!index_list.has_value()) return Fail("reconstruct needs --index I[,J...]");
  if (!out_dir.has_value()) return Fail("reconstruct needs --out-dir DIR");
  if (args->positionals.empty()) return Fail("reconstruct needs at least one SHARD file");
  absl::StatusOr<std::vector<int>> indices = ParseIndexList(*index_list);
  if (!indices.ok()) return Fail(indices.status());
  if (absl::Status s = CheckDirectory(*out_dir); !s.ok()) {
    return Fail(absl::StrCat("output directory ", s.message()));
  }
  absl::StatusOr<OpenedObject> object = OpenObject(args->positionals);
  if (!object.ok()) return Fail(object.status());
  PrintExclusions(stdout, *object);
  FileShardSink sink(*out_dir, ObjectNameOf(args->positionals[0]));
  if (absl::Status s = object->decoder->ReconstructShards(*indices, sink); !s.ok()) {
    return Fail(absl::StrCat("cannot rebuild: ", s.message()));
  }
  if (absl::Status s = sink.Commit(); !s.ok()) return Fail(s);
  for (const auto& [index, file] : sink.files()) {
    std::printf("rebuilt shard %d as %s (%" PRIu64 " bytes)\n", index, file->path().c_str(),
                file->size_bytes());
  }
  PrintStats(stdout, object->decoder->stats());
  return kExitOk;
}

}  // namespace hamster::ec_tool
