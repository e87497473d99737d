// hamster-ec verify and info: look inside shard files without decoding.

#include <algorithm>
#include <cinttypes>
#include <cstdio>
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

// A shard rotten end to end has a corrupt block per stripe; name only the first few.
constexpr size_t kMaxListedStripes = 20;

std::string DescribeCorruption(const ec::VerifyReport& report) {
  std::vector<std::string> problems;
  const size_t corrupt_count = report.corrupt_stripes.size();
  if (corrupt_count > 0) {
    const size_t listed = std::min(corrupt_count, kMaxListedStripes);
    std::string problem =
        absl::StrCat(corrupt_count, " of ", report.info.footer.stripe_count,
                     " blocks fail their checksum: ", corrupt_count == 1 ? "stripe " : "stripes ",
                     absl::StrJoin(report.corrupt_stripes.begin(),
                                   report.corrupt_stripes.begin() + listed, ", "));
    if (listed < corrupt_count) absl::StrAppend(&problem, " and ", corrupt_count - listed, " more");
    problems.push_back(problem);
  }
  if (!report.blocks_digest_matches) {
    problems.push_back("the footer's blocks digest does not match the stored block checksums");
  }
  return absl::StrJoin(problems, "; ");
}

ExitCode VerifyOne(const std::string& path) {
  absl::StatusOr<std::unique_ptr<FileShardSource>> file = FileShardSource::Open(path);
  if (!file.ok()) return ExitCode(Fail(file.status()));
  absl::StatusOr<ec::VerifyReport> report = ec::VerifyShard(**file);
  if (!report.ok()) {
    const std::string message(report.status().message());
    std::printf("%s: UNUSABLE: %s\n", path.c_str(), message.c_str());
    return kExitDataProblem;
  }
  const ec::ShardHeader& header = report->info.header;
  if (!report->ok()) {
    std::printf("%s: CORRUPT: %s\n", path.c_str(), DescribeCorruption(*report).c_str());
    return kExitDataProblem;
  }
  std::printf("%s: OK: shard %d of %d+%d, %" PRIu64 " stripes, object %" PRIu64 " bytes\n",
              path.c_str(), header.shard_index, header.data_shard_count, header.parity_shard_count,
              report->info.footer.stripe_count, report->info.footer.object_size_bytes);
  return kExitOk;
}

void PrintHeader(const FileShardSource& file, const ec::ShardHeader& header) {
  const bool is_data = header.shard_index < header.data_shard_count;
  std::printf("file:             %s (%" PRIu64 " bytes)\n", file.path().c_str(), file.size_bytes());
  std::printf("format version:   %u\n", unsigned(header.format_version));
  std::printf("code family:      %u (Cauchy Reed-Solomon), w=%d\n", unsigned(header.code_family),
              header.word_size_bits);
  std::printf("checksum:         %u (seeded XXH3 per block)\n",
              unsigned(header.checksum_algorithm));
  std::printf("data id:          %s\n", ec::DataIdToHex(header.data_id).c_str());
  std::printf("k:                %d\n", header.data_shard_count);
  std::printf("m:                %d\n", header.parity_shard_count);
  std::printf("shard index:      %d (%s)\n", header.shard_index, is_data ? "data" : "parity");
  std::printf("block size:       %u bytes\n", header.block_size_bytes);
}

void PrintFooter(const ec::ShardFooter& footer) {
  std::printf("object size:      %" PRIu64 " bytes\n", footer.object_size_bytes);
  std::printf("stripe count:     %" PRIu64 "\n", footer.stripe_count);
  std::printf("blocks digest:    %016" PRIx64 "\n", footer.blocks_digest);
}

}  // namespace

int RunVerify(std::span<char* const> words) {
  absl::StatusOr<ParsedArgs> args = ParseArgs("verify", words, {});
  if (!args.ok()) return Fail(args.status());
  if (args->help) return PrintUsage(stdout), kExitOk;
  if (args->positionals.empty()) return Fail("verify needs at least one SHARD file");
  // Every file is checked even after a bad one: the operator wants the whole picture.
  int worst = kExitOk;
  for (const std::string& path : args->positionals) worst = std::max<int>(worst, VerifyOne(path));
  return worst;
}

int RunInfo(std::span<char* const> words) {
  absl::StatusOr<ParsedArgs> args = ParseArgs("info", words, {});
  if (!args.ok()) return Fail(args.status());
  if (args->help) return PrintUsage(stdout), kExitOk;
  if (args->positionals.size() != 1) return Fail("info needs exactly one SHARD file");
  const std::string& path = args->positionals[0];
  absl::StatusOr<std::unique_ptr<FileShardSource>> file = FileShardSource::Open(path);
  if (!file.ok()) return Fail(file.status());
  // The header is shown even when the footer is unusable: it says what the
  // file was meant to be.
  const uint64_t size_bytes = (*file)->size_bytes();
  std::vector<uint8_t> header_bytes(std::min<uint64_t>(size_bytes, ec::kShardHeaderSizeBytes));
  if (absl::Status s = (*file)->ReadAt(0, header_bytes); !s.ok()) return Fail(s);
  absl::StatusOr<ec::ShardHeader> header = ec::ParseHeader(header_bytes);
  if (!header.ok()) return Fail(absl::StrCat(path, ": ", header.status().message()));
  PrintHeader(**file, *header);
  absl::StatusOr<ec::ShardInfo> info = ec::ReadShardInfo(**file);
  if (!info.ok()) return Fail(absl::StrCat(path, ": ", info.status().message()));
  PrintFooter(info->footer);
  return kExitOk;
}

}  // namespace hamster::ec_tool
