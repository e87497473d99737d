// hamster-ec encode: streams a file or stdin through the StreamEncoder into
// durable shard files, one stripe in memory at a time (invariant 6).

#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "args.h"
#include "commands.h"
#include "file_io.h"
#include "hamster/ec/stream_encoder.h"

namespace hamster::ec_tool {
namespace {

constexpr std::string_view kEncodeOptions[] = {"--k", "--m", "--block-size", "--data-id"};

ec::DataId RandomDataId() {
  std::random_device random;
  ec::DataId data_id;
  for (uint8_t& byte : data_id) byte = uint8_t(random());
  return data_id;
}

// Options as given; range checks are the library's, so its messages reach the operator.
absl::StatusOr<ec::EncoderOptions> EncoderOptionsFrom(const ParsedArgs& args) {
  ec::EncoderOptions options;
  if (std::optional<std::string> k = args.option("--k")) {
    absl::StatusOr<int> value = ParseInt("--k", *k);
    if (!value.ok()) return value.status();
    options.data_shard_count = *value;
  }
  if (std::optional<std::string> m = args.option("--m")) {
    absl::StatusOr<int> value = ParseInt("--m", *m);
    if (!value.ok()) return value.status();
    options.parity_shard_count = *value;
  }
  if (std::optional<std::string> block = args.option("--block-size")) {
    absl::StatusOr<uint64_t> value = ParseUint64("--block-size", *block);
    if (!value.ok()) return value.status();
    if (*value > UINT32_MAX) {
      return absl::InvalidArgumentError(absl::StrCat("--block-size: '", *block, "' is too large"));
    }
    options.block_size_bytes = uint32_t(*value);
  }
  if (std::optional<std::string> data_id = args.option("--data-id")) {
    absl::StatusOr<ec::DataId> value = ParseDataId(*data_id);
    if (!value.ok()) return value.status();
    options.data_id = *value;
  } else {
    options.data_id = RandomDataId();
  }
  return options;
}

// Reads `fd` to its end straight into the encoder's stripe buffer.
absl::StatusOr<ec::EncodeSummary> EncodeStream(int fd, const std::string& input_name,
                                               ec::StreamEncoder& encoder) {
  for (;;) {
    absl::StatusOr<size_t> read = ReadSome(fd, encoder.WritableSpace());
    if (!read.ok()) {
      return absl::Status(read.status().code(),
                          absl::StrCat(input_name, ": ", read.status().message()));
    }
    if (*read == 0) return encoder.Finish();
    if (absl::Status s = encoder.Commit(*read); !s.ok()) return s;
  }
}

int EncodeFrom(int fd, const std::string& input_name, const std::string& shard_name,
               const std::string& out_dir, const ec::EncoderOptions& options) {
  FileShardSink sink(out_dir, shard_name);
  absl::StatusOr<std::unique_ptr<ec::StreamEncoder>> encoder =
      ec::StreamEncoder::Create(options, &sink);
  if (!encoder.ok()) return Fail(encoder.status());
  absl::StatusOr<ec::EncodeSummary> summary = EncodeStream(fd, input_name, **encoder);
  if (!summary.ok()) return Fail(summary.status());
  if (absl::Status s = sink.Commit(); !s.ok()) return Fail(s);
  for (const auto& [index, file] : sink.files()) {
    std::printf("wrote %s (%" PRIu64 " bytes)\n", file->path().c_str(), file->size_bytes());
  }
  std::printf("encoded %s: %" PRIu64 " bytes, %" PRIu64
              " stripes, k+m=%d+%d, block size %u, data id %s\n",
              input_name.c_str(), summary->object_size_bytes, summary->stripe_count,
              options.data_shard_count, options.parity_shard_count, options.block_size_bytes,
              ec::DataIdToHex(options.data_id).c_str());
  return kExitOk;
}

}  // namespace

int RunEncode(std::span<char* const> words) {
  absl::StatusOr<ParsedArgs> args = ParseArgs("encode", words, kEncodeOptions);
  if (!args.ok()) return Fail(args.status());
  if (args->help) return PrintUsage(stdout), kExitOk;
  if (args->positionals.size() != 2) {
    return Fail("encode needs INPUT and OUTDIR, e.g. 'hamster-ec encode --k 4 --m 2 file dir'");
  }
  absl::StatusOr<ec::EncoderOptions> options = EncoderOptionsFrom(*args);
  if (!options.ok()) return Fail(options.status());
  const std::string& input = args->positionals[0];
  const std::string& out_dir = args->positionals[1];
  if (absl::Status s = CheckDirectory(out_dir); !s.ok()) {
    return Fail(absl::StrCat("output directory ", s.message()));
  }
  if (input == "-") return EncodeFrom(STDIN_FILENO, "stdin", "object", out_dir, *options);
  const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(absl::ErrnoToStatus(errno, absl::StrCat(input, ": cannot open input")));
  const int exit_code = EncodeFrom(fd, input, Basename(input), out_dir, *options);
  ::close(fd);
  return exit_code;
}

}  // namespace hamster::ec_tool
