// The phases of `hamster-bench s3`, in the order they run: start the server
// (unless given an endpoint) and create the bucket; the disk and loopback
// baselines; 64 MiB objects at each large concurrency; 4 KiB objects at each
// concurrency; optionally one 4 GiB object; then delete everything created.

#include "s3_bench.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <list>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "measure.h"
#include "s3_server.h"

namespace hamster::bench {
namespace {

// Request bodies cycle through this many random bytes.
constexpr size_t kBodySourceBytes = 8 * kMebibyte;
// Large objects kept at once, all workers together; a worker overwrites its
// own keys round-robin beyond its share, which bounds the disk space used.
constexpr uint64_t kMaxLargeBytes = uint64_t{16} << 30;
constexpr uint64_t kMaxSmallObjectsPerWorker = 1'000'000;
constexpr int kListPageKeys = 100;
// Baselines that stabilise within a second need no longer.
constexpr double kMaxBaselineSeconds = 2;
constexpr int kRssSampleIntervalMs = 20;

// Compares a response body with the bytes a CyclicBody would send.
class ComparingSink : public BodySink {
 public:
  explicit ComparingSink(CyclicBody expected) : expected_(expected) {}
  void Consume(std::span<const uint8_t> bytes) override {
    while (!bytes.empty() && matches_) {
      if (position_ >= expected_.size_bytes) {
        matches_ = false;
        return;
      }
      const size_t start = size_t((expected_.offset + position_) % expected_.source.size());
      const size_t length = std::min({bytes.size(), expected_.source.size() - start,
                                      size_t(expected_.size_bytes - position_)});
      matches_ = std::memcmp(bytes.data(), expected_.source.data() + start, length) == 0;
      bytes = bytes.subspan(length);
      position_ += length;
    }
  }
  bool Matches() const { return matches_ && position_ == expected_.size_bytes; }

 private:
  CyclicBody expected_;
  uint64_t position_ = 0;
  bool matches_ = true;
};

// Objects one phase created: worker w wrote keys 0..created[w]-1 of `key(w, i)`.
struct KeySet {
  std::function<std::string(int worker, uint64_t index)> key;
  std::vector<uint64_t> created;
};

class Bench {
 public:
  Bench(const S3BenchOptions& options, S3BenchReport& report)
      : options_(options), report_(report), source_(kBodySourceBytes) {
    FillRandom(source_.span(), 0xb0d1e5);
  }

  absl::Status Setup();
  absl::Status Baselines();
  absl::Status LargeObjects(int concurrency, bool sse, LargeObjectResult& result);
  absl::Status SmallObjects(int concurrency, SmallObjectResult& result);
  absl::Status BigObject(BigObjectResult& result);
  void ReadServerPeakRss();
  // Deletes what is left (after an error, too), the bucket if created here,
  // and stops the server started here.
  absl::Status Teardown();

 private:
  std::string Path(const std::string& key) const {
    return absl::StrCat("/", bucket_, "/", s3::UriEncode(key, false));
  }
  CyclicBody Body(int worker, uint64_t index, uint64_t size_bytes) const {
    return {.source = source_.span(),
            .offset = (uint64_t(worker) * 1000003 + index * 7919) % source_.size(),
            .size_bytes = size_bytes};
  }
  KeySet& NewKeySet(int concurrency, std::function<std::string(int, uint64_t)> key) {
    return pending_.emplace_back(
        KeySet{std::move(key), std::vector<uint64_t>(size_t(concurrency))});
  }
  // sse: the x-amz-server-side-encryption value to ask for; empty: none.
  absl::StatusOr<PhaseResult> Put(KeySet& keys, uint64_t object_bytes, uint64_t per_worker_max,
                                  const std::string& sse = "");
  absl::Status CheckEncrypted(const KeySet& keys);
  absl::StatusOr<PhaseResult> Get(const KeySet& keys, uint64_t object_bytes, PhaseOptions phase,
                                  const std::string& method);
  absl::StatusOr<PhaseResult> List(const KeySet& keys, const std::string& prefix_of_worker_0,
                                   double& keys_per_list);
  absl::StatusOr<PhaseResult> DeleteAll(KeySet& keys);
  absl::Status Verify(const KeySet& keys, uint64_t object_bytes);

  const S3BenchOptions& options_;
  S3BenchReport& report_;
  AlignedBuffer source_;
  std::unique_ptr<LocalServer> server_;
  pid_t server_pid_ = 0;
  Endpoint endpoint_;
  std::vector<std::unique_ptr<S3Connection>> connections_;
  std::string bucket_;
  bool created_bucket_ = false;
  std::string run_prefix_;
  std::list<KeySet> pending_;  // not yet deleted; a list, as PUTs write into its elements
};

absl::Status Bench::Setup() {
  if (options_.endpoint.empty()) {
    absl::StatusOr<std::unique_ptr<LocalServer>> server =
        LocalServer::Start({.hamsterd_path = options_.hamsterd_path,
                            .parent_dir = options_.work_dir,
                            .region = options_.credentials.region,
                            .access_key_id = options_.credentials.access_key_id,
                            .secret_key = options_.credentials.secret_key,
                            .keep_data = options_.keep_data});
    if (!server.ok()) return server.status();
    server_ = std::move(*server);
    server_pid_ = server_->pid();
    report_.local_server = true;
  } else {
    server_pid_ = options_.server_pid;
  }
  report_.endpoint = server_ ? server_->endpoint() : options_.endpoint;
  absl::StatusOr<Endpoint> endpoint = ParseEndpoint(report_.endpoint);
  if (!endpoint.ok()) return endpoint.status();
  endpoint_ = *endpoint;
  int connection_count = 1;
  for (int c : options_.concurrency) connection_count = std::max(connection_count, c);
  for (int c : options_.large_concurrency) connection_count = std::max(connection_count, c);
  for (int i = 0; i < connection_count; ++i) {
    connections_.push_back(std::make_unique<S3Connection>(endpoint_, options_.credentials));
  }
  const std::string run_id = absl::StrFormat("%d-%d", getpid(), absl::ToUnixSeconds(absl::Now()));
  run_prefix_ = absl::StrCat("hamster-bench-", run_id, "/");
  bucket_ = options_.bucket.empty() ? absl::StrCat("hamster-bench-", run_id) : options_.bucket;
  absl::StatusOr<S3Response> created =
      connections_[0]->ExecuteExpecting({.method = "PUT", .path = "/" + bucket_}, {200, 409});
  if (!created.ok()) return created.status();
  created_bucket_ = created->status == 200;
  if (!created_bucket_ && created->body.find("BucketAlreadyOwnedByYou") == std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("bucket ", bucket_, " exists and is not yours: ", created->body));
  }
  return absl::OkStatus();
}

absl::Status Bench::Baselines() {
  absl::StatusOr<DiskBaseline> disk = MeasureDisk(options_.work_dir, options_.baseline_bytes);
  if (!disk.ok()) return disk.status();
  report_.disk = *disk;
  absl::StatusOr<double> loopback =
      MeasureLoopbackStream(std::min(options_.seconds, kMaxBaselineSeconds));
  if (!loopback.ok()) return loopback.status();
  report_.loopback_mib_per_second = *loopback;
  if (!options_.sse) return absl::OkStatus();
  absl::StatusOr<CipherBaseline> cipher =
      MeasureSegmentCipher(std::min(options_.seconds, kMaxBaselineSeconds));
  if (!cipher.ok()) return cipher.status();
  report_.cipher = *cipher;
  return absl::OkStatus();
}

absl::StatusOr<PhaseResult> Bench::Put(KeySet& keys, uint64_t object_bytes, uint64_t per_worker_max,
                                       const std::string& sse) {
  const int concurrency = int(keys.created.size());
  return RunPhase(connections_, concurrency,
                  {.seconds = options_.seconds, .server_pid = server_pid_},
                  [&](S3Connection& connection, int w, uint64_t i) -> absl::StatusOr<uint64_t> {
                    const uint64_t index = i % per_worker_max;
                    absl::StatusOr<S3Response> response =
                        connection.ExecuteExpecting({.method = "PUT",
                                                     .path = Path(keys.key(w, index)),
                                                     .body = Body(w, index, object_bytes),
                                                     .server_side_encryption = sse});
                    if (!response.ok()) return response.status();
                    keys.created[size_t(w)] = std::max(keys.created[size_t(w)], index + 1);
                    return object_bytes;
                  });
}

// GET (or HEAD) of worker w's objects in turn, checking each one's size.
absl::StatusOr<PhaseResult> Bench::Get(const KeySet& keys, uint64_t object_bytes,
                                       PhaseOptions phase, const std::string& method) {
  const int concurrency = int(keys.created.size());
  return RunPhase(
      connections_, concurrency, phase,
      [&](S3Connection& connection, int w, uint64_t i) -> absl::StatusOr<uint64_t> {
        const std::string path = Path(keys.key(w, i % keys.created[size_t(w)]));
        absl::StatusOr<S3Response> response =
            connection.ExecuteExpecting({.method = method, .path = path});
        if (!response.ok()) return response.status();
        if (method == "GET" && response->body_bytes != object_bytes) {
          return absl::DataLossError(absl::StrCat("GET ", path, " returned ", response->body_bytes,
                                                  " bytes, not ", object_bytes));
        }
        return response->body_bytes;
      });
}

absl::StatusOr<PhaseResult> Bench::List(const KeySet& keys, const std::string& prefix_of_worker_0,
                                        double& keys_per_list) {
  const int concurrency = int(keys.created.size());
  std::vector<uint64_t> listed(static_cast<size_t>(concurrency));
  absl::StatusOr<PhaseResult> result = RunPhase(
      connections_, concurrency, {.seconds = options_.seconds, .server_pid = server_pid_},
      [&](S3Connection& connection, int w, uint64_t i) -> absl::StatusOr<uint64_t> {
        // Pages walk the worker's keys in order and wrap around.
        const uint64_t start = (i * kListPageKeys) % keys.created[size_t(w)];
        const std::string prefix = keys.key(w, 0).substr(0, prefix_of_worker_0.size());
        const std::string query = absl::StrCat(
            "list-type=2&max-keys=", kListPageKeys, "&prefix=", s3::UriEncode(prefix, true),
            "&start-after=", s3::UriEncode(keys.key(w, start), true));
        absl::StatusOr<S3Response> response = connection.ExecuteExpecting(
            {.method = "GET", .path = "/" + bucket_, .query = query, .keep_body_bytes = 1 << 20});
        if (!response.ok()) return response.status();
        for (size_t at = 0; (at = response->body.find("<Key>", at)) != std::string::npos; ++at) {
          ++listed[size_t(w)];
        }
        return response->body_bytes;
      });
  if (!result.ok()) return result;
  uint64_t total = 0;
  for (uint64_t n : listed) total += n;
  keys_per_list = result->operation_count > 0 ? double(total) / result->operation_count : 0;
  return result;
}

absl::StatusOr<PhaseResult> Bench::DeleteAll(KeySet& keys) {
  const int concurrency = int(keys.created.size());
  absl::StatusOr<PhaseResult> result = RunPhase(
      connections_, concurrency, {.iteration_limits = keys.created, .server_pid = server_pid_},
      [&](S3Connection& connection, int w, uint64_t i) -> absl::StatusOr<uint64_t> {
        absl::StatusOr<S3Response> response =
            connection.ExecuteExpecting({.method = "DELETE", .path = Path(keys.key(w, i))});
        if (!response.ok()) return response.status();
        return 0;
      });
  if (!result.ok()) return result;
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (&*it == &keys) {
      pending_.erase(it);
      break;
    }
  }
  return result;
}

// Reads back the first object of worker 0 and compares every byte.
absl::Status Bench::Verify(const KeySet& keys, uint64_t object_bytes) {
  ComparingSink sink(Body(0, 0, object_bytes));
  const std::string path = Path(keys.key(0, 0));
  absl::StatusOr<S3Response> response =
      connections_[0]->ExecuteExpecting({.method = "GET", .path = path, .sink = &sink});
  if (!response.ok()) return response.status();
  if (!sink.Matches()) {
    return absl::DataLossError(absl::StrCat("GET ", path, " did not return the bytes PUT"));
  }
  return absl::OkStatus();
}

// A server that ignored the header would make the SSE figures meaningless.
absl::Status Bench::CheckEncrypted(const KeySet& keys) {
  const std::string path = Path(keys.key(0, 0));
  absl::StatusOr<S3Response> head =
      connections_[0]->ExecuteExpecting({.method = "HEAD", .path = path});
  if (!head.ok()) return head.status();
  if (head->server_side_encryption != "AES256") {
    return absl::FailedPreconditionError(
        absl::StrCat("HEAD ", path, " after an SSE-S3 PUT says x-amz-server-side-encryption: '",
                     head->server_side_encryption, "', not AES256"));
  }
  return absl::OkStatus();
}

absl::Status Bench::LargeObjects(int concurrency, bool sse, LargeObjectResult& result) {
  const uint64_t size = options_.large_object_bytes;
  const uint64_t per_worker_max = std::max<uint64_t>(1, kMaxLargeBytes / size / concurrency);
  KeySet& keys = NewKeySet(concurrency, [this, concurrency, sse](int w, uint64_t i) {
    return absl::StrCat(run_prefix_, sse ? "large-sse/c" : "large/c", concurrency, "/w", w, "/", i);
  });
  absl::StatusOr<PhaseResult> put = Put(keys, size, per_worker_max, sse ? "AES256" : "");
  if (!put.ok()) return put.status();
  result.put = *put;
  if (sse) {
    if (absl::Status encrypted = CheckEncrypted(keys); !encrypted.ok()) return encrypted;
  }
  if (server_ != nullptr) {
    absl::StatusOr<int> dropped = DropFromPageCache(server_->data_dir());
    if (!dropped.ok()) return dropped.status();
    report_.cold_reads = true;
  }
  absl::StatusOr<PhaseResult> first =
      Get(keys, size, {.iteration_limits = keys.created, .server_pid = server_pid_}, "GET");
  if (!first.ok()) return first.status();
  result.get_first = *first;
  absl::StatusOr<PhaseResult> repeat =
      Get(keys, size, {.seconds = options_.seconds, .server_pid = server_pid_}, "GET");
  if (!repeat.ok()) return repeat.status();
  result.get_repeat = *repeat;
  if (absl::Status verified = Verify(keys, size); !verified.ok()) return verified;
  return DeleteAll(keys).status();
}

absl::Status Bench::SmallObjects(int concurrency, SmallObjectResult& result) {
  const uint64_t size = options_.small_object_bytes;
  const double baseline_seconds = std::min(options_.seconds, kMaxBaselineSeconds);
  absl::StatusOr<double> appends =
      MeasureSyncAppends(options_.work_dir, concurrency, size_t(size), baseline_seconds);
  if (!appends.ok()) return appends.status();
  result.sync_appends_per_second = *appends;
  absl::StatusOr<double> round_trips =
      MeasureLoopbackRoundTrips(concurrency, size_t(size), baseline_seconds);
  if (!round_trips.ok()) return round_trips.status();
  result.loopback_round_trips_per_second = *round_trips;

  // Zero-padded indexes list in numeric order.
  KeySet& keys = NewKeySet(concurrency, [this, concurrency](int w, uint64_t i) {
    return absl::StrFormat("%ssmall/c%d/w%d/%08d", run_prefix_, concurrency, w, i);
  });
  absl::StatusOr<PhaseResult> put = Put(keys, size, kMaxSmallObjectsPerWorker);
  if (!put.ok()) return put.status();
  result.put = *put;
  if (absl::Status verified = Verify(keys, size); !verified.ok()) return verified;
  absl::StatusOr<PhaseResult> get =
      Get(keys, size, {.seconds = options_.seconds, .server_pid = server_pid_}, "GET");
  if (!get.ok()) return get.status();
  result.get = *get;
  absl::StatusOr<PhaseResult> head =
      Get(keys, size, {.seconds = options_.seconds, .server_pid = server_pid_}, "HEAD");
  if (!head.ok()) return head.status();
  result.head = *head;
  const std::string prefix_of_worker_0 =
      absl::StrFormat("%ssmall/c%d/w0/", run_prefix_, concurrency);
  absl::StatusOr<PhaseResult> list = List(keys, prefix_of_worker_0, result.keys_per_list);
  if (!list.ok()) return list.status();
  result.list = *list;
  absl::StatusOr<PhaseResult> deleted = DeleteAll(keys);
  if (!deleted.ok()) return deleted.status();
  result.del = *deleted;
  return absl::OkStatus();
}

absl::Status Bench::BigObject(BigObjectResult& result) {
  result.bytes = options_.big_object_bytes;
  // Without a process to watch, the peak stays 0 (unknown) and nothing is
  // sampled; without a reset VmHWM would include the phases before.
  const bool watch = server_pid_ > 0;
  const bool peak_known = watch && ResetPeakRss(server_pid_).ok();
  std::unique_ptr<RssSampler> sampler;
  if (watch) sampler = std::make_unique<RssSampler>(server_pid_, kRssSampleIntervalMs);
  result.rss_sample_interval_ms = kRssSampleIntervalMs;
  KeySet& keys = NewKeySet(1, [this](int, uint64_t) { return run_prefix_ + "big/object"; });
  absl::StatusOr<PhaseResult> put = Put(keys, result.bytes, 1);
  if (!put.ok()) return put.status();
  result.put_mib_per_second = put->mib_per_second();
  // Reading it back compares every byte as it arrives (memcmp, about 0.3 s
  // of client CPU per 4 GiB, counted in the GET rate).
  ComparingSink sink(Body(0, 0, result.bytes));
  const absl::Time start = absl::Now();
  absl::StatusOr<S3Response> response = connections_[0]->ExecuteExpecting(
      {.method = "GET", .path = Path(keys.key(0, 0)), .sink = &sink});
  if (!response.ok()) return response.status();
  result.get_mib_per_second =
      double(result.bytes) / kMebibyte / absl::ToDoubleSeconds(absl::Now() - start);
  if (!sink.Matches()) return absl::DataLossError("the big object did not read back as written");
  if (sampler != nullptr) {
    sampler->Stop();
    result.max_sampled_rss_bytes = sampler->max_rss_bytes();
    result.rss_sample_count = sampler->sample_count();
  }
  if (peak_known) {
    absl::StatusOr<ProcessMemory> memory = ReadProcessMemory(server_pid_);
    if (!memory.ok()) return memory.status();
    result.peak_rss_bytes = memory->peak_rss_bytes;
  }
  return DeleteAll(keys).status();
}

void Bench::ReadServerPeakRss() {
  if (server_pid_ <= 0) return;
  absl::StatusOr<ProcessMemory> memory = ReadProcessMemory(server_pid_);
  if (memory.ok()) report_.server_peak_rss_bytes = memory->peak_rss_bytes;
}

absl::Status Bench::Teardown() {
  absl::Status result = absl::OkStatus();
  while (!pending_.empty()) {
    absl::StatusOr<PhaseResult> deleted = DeleteAll(pending_.front());
    if (!deleted.ok()) {
      result.Update(deleted.status());
      break;
    }
  }
  if (created_bucket_ && result.ok()) {
    absl::StatusOr<S3Response> deleted =
        connections_[0]->ExecuteExpecting({.method = "DELETE", .path = "/" + bucket_}, {204, 200});
    result.Update(deleted.status());
  }
  connections_.clear();
  if (server_ != nullptr) result.Update(server_->Stop());
  return result;
}

absl::Status RunPhases(Bench& bench, const S3BenchOptions& options, S3BenchReport& report) {
  if (absl::Status baselines = bench.Baselines(); !baselines.ok()) return baselines;
  for (int concurrency : options.large_concurrency) {
    LargeObjectResult& result = report.large.emplace_back();
    if (absl::Status s = bench.LargeObjects(concurrency, false, result); !s.ok()) return s;
    if (!options.sse) continue;
    LargeObjectResult& encrypted = report.large_sse.emplace_back();
    if (absl::Status s = bench.LargeObjects(concurrency, true, encrypted); !s.ok()) return s;
  }
  for (int concurrency : options.concurrency) {
    SmallObjectResult& result = report.small.emplace_back();
    if (absl::Status s = bench.SmallObjects(concurrency, result); !s.ok()) return s;
  }
  bench.ReadServerPeakRss();
  if (options.big_object) {
    if (absl::Status s = bench.BigObject(report.big.emplace()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

double S3BenchReport::get_baseline_mib_per_second() const {
  return std::min(disk.read_mib_per_second, loopback_mib_per_second);
}

absl::StatusOr<S3BenchReport> RunS3Bench(const S3BenchOptions& options) {
  S3BenchReport report{.options = options};
  Bench bench(options, report);
  absl::Status status = bench.Setup();
  if (status.ok()) status = RunPhases(bench, options, report);
  // Cleanup runs whatever happened; its error is reported only if all else went well.
  absl::Status teardown = bench.Teardown();
  if (!status.ok()) return status;
  if (!teardown.ok()) return teardown;
  return report;
}

}  // namespace hamster::bench
