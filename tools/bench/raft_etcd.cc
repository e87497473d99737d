#include "raft_etcd.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hamster/bench/etcd_kv.grpc.pb.h"
#include "raft_pki.h"
#include "raft_ports.h"

extern char** environ;

namespace hamster::bench {
namespace {

constexpr auto kRpcTimeout = std::chrono::seconds(10);
constexpr auto kStopGrace = std::chrono::seconds(5);

struct Member {
  std::string name;
  std::string log_path;
  std::string client_url;
  pid_t pid = -1;
};

std::string LogTail(const std::string& path, size_t bytes) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() <= bytes ? all : all.substr(all.size() - bytes);
}

// Starts `argv` with stdout and stderr appended to `log_path`, dying with this process.
// Everything the child needs is built before fork(): after it only async-signal-safe calls.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  // The machine's ETCD_* settings (a system etcd's) must not configure these members.
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "ETCD_", 5) != 0) env.push_back(*e);
  }
  env.push_back(nullptr);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("open ", log_path, ": ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  const int fork_errno = errno;
  close(log_fd);
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(fork_errno)));
  return pid;
}

// utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15, after the command
// name, which may contain spaces but ends at the last ')').
absl::StatusOr<double> ProcessCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close_paren = stat.rfind(')');
  if (!in || close_paren == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("process ", pid, " is gone"));
  }
  std::istringstream fields(stat.substr(close_paren + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  // Fields 3..13 come before utime (field 14).
  for (int i = 3; i <= 13 && fields >> field; ++i) {
  }
  if (!(fields >> utime >> stime)) {
    return absl::InternalError(absl::StrCat("cannot parse /proc/", pid, "/stat"));
  }
  return double(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace

struct EtcdCluster::Impl {
  std::vector<Member> members;
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> leader_stubs;

  absl::Status StartMembers(const EtcdClusterOptions& options);
  absl::Status CheckRunning();
  absl::StatusOr<int> FindLeader(std::chrono::milliseconds timeout);
  void ConnectToLeader(int leader, int connection_count);
  std::string LogTails() const;
  void Stop();
};

absl::Status EtcdCluster::Impl::StartMembers(const EtcdClusterOptions& options) {
  const int count = options.member_count;
  absl::StatusOr<std::vector<int>> ports = PickFreeLoopbackPorts(2 * count);
  if (!ports.ok()) return ports.status();
  const std::string pki_dir = options.work_dir + "/etcd-pki";
  if (mkdir(pki_dir.c_str(), 0700) != 0) {
    return absl::InternalError(absl::StrCat("mkdir ", pki_dir, ": ", std::strerror(errno)));
  }
  absl::StatusOr<BenchPki> pki = CreateBenchPki(pki_dir, count);
  if (!pki.ok()) return pki.status();
  std::vector<std::string> initial_cluster;
  for (int i = 0; i < count; ++i) {
    initial_cluster.push_back(absl::StrCat("m", i + 1, "=https://127.0.0.1:", (*ports)[count + i]));
  }
  for (int i = 0; i < count; ++i) {
    Member member;
    member.name = absl::StrCat("m", i + 1);
    member.log_path = absl::StrCat(options.work_dir, "/etcd-", i + 1, ".log");
    member.client_url = absl::StrCat("127.0.0.1:", (*ports)[i]);
    const std::string peer_url = absl::StrCat("https://127.0.0.1:", (*ports)[count + i]);
    const std::vector<std::string> argv = {
        options.etcd_path,
        "--name",
        member.name,
        "--data-dir",
        absl::StrCat(options.work_dir, "/etcd-", i + 1),
        "--listen-client-urls",
        "http://" + member.client_url,
        "--advertise-client-urls",
        "http://" + member.client_url,
        "--listen-peer-urls",
        peer_url,
        "--initial-advertise-peer-urls",
        peer_url,
        "--initial-cluster",
        absl::StrJoin(initial_cluster, ","),
        "--initial-cluster-state",
        "new",
        "--initial-cluster-token",
        "hamster-bench",
        "--peer-client-cert-auth",
        "--peer-trusted-ca-file",
        pki->ca_cert_path,
        "--peer-cert-file",
        pki->members[i].cert_path,
        "--peer-key-file",
        pki->members[i].key_path,
        "--logger",
        "zap",
        "--log-level",
        "warn",
    };
    absl::StatusOr<pid_t> pid = Spawn(argv, member.log_path);
    if (!pid.ok()) return pid.status();
    member.pid = *pid;
    members.push_back(std::move(member));
  }
  return absl::OkStatus();
}

absl::Status EtcdCluster::Impl::CheckRunning() {
  for (Member& member : members) {
    int status = 0;
    if (member.pid > 0 && waitpid(member.pid, &status, WNOHANG) == member.pid) {
      member.pid = -1;
      const std::string how = WIFEXITED(status)
                                  ? absl::StrCat("exited with code ", WEXITSTATUS(status))
                                  : absl::StrCat("was killed by signal ", WTERMSIG(status));
      return absl::UnavailableError(absl::StrCat("etcd member ", member.name, " ", how,
                                                 "; its log:\n", LogTail(member.log_path, 2000)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> EtcdCluster::Impl::FindLeader(std::chrono::milliseconds timeout) {
  std::vector<std::unique_ptr<etcdserverpb::Maintenance::Stub>> stubs;
  for (const Member& member : members) {
    stubs.push_back(etcdserverpb::Maintenance::NewStub(
        grpc::CreateChannel(member.client_url, grpc::InsecureChannelCredentials())));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (absl::Status running = CheckRunning(); !running.ok()) return running;
    // The leader is the member whose own id every member names as leader.
    uint64_t leader_id = 0;
    int leader = -1;
    bool agreed = true;
    for (size_t i = 0; i < stubs.size() && agreed; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
      etcdserverpb::StatusResponse response;
      const grpc::Status status = stubs[i]->Status(&context, {}, &response);
      agreed = status.ok() && response.leader() != 0 &&
               (leader_id == 0 || response.leader() == leader_id);
      if (!agreed) break;
      leader_id = response.leader();
      if (response.header().member_id() == leader_id) leader = static_cast<int>(i);
    }
    if (agreed && leader >= 0) return leader;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::UnavailableError(absl::StrCat("etcd elected no leader within ", timeout.count(),
                                             " ms; member logs:\n", LogTails()));
}

void EtcdCluster::Impl::ConnectToLeader(int leader, int connection_count) {
  for (int i = 0; i < connection_count; ++i) {
    grpc::ChannelArguments args;
    // Without these, channels with equal arguments share one connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("hamster.bench.connection", i);
    leader_stubs.push_back(etcdserverpb::KV::NewStub(grpc::CreateCustomChannel(
        members[leader].client_url, grpc::InsecureChannelCredentials(), args)));
  }
}

std::string EtcdCluster::Impl::LogTails() const {
  std::string tails;
  for (const Member& member : members) {
    absl::StrAppend(&tails, "--- ", member.name, " (", member.log_path, ")\n",
                    LogTail(member.log_path, 1500), "\n");
  }
  return tails;
}

void EtcdCluster::Impl::Stop() {
  leader_stubs.clear();
  for (const Member& member : members) {
    if (member.pid > 0) kill(member.pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  for (Member& member : members) {
    while (member.pid > 0) {
      int status = 0;
      const pid_t waited = waitpid(member.pid, &status, WNOHANG);
      if (waited == member.pid || (waited < 0 && errno != EINTR)) {
        member.pid = -1;
      } else if (std::chrono::steady_clock::now() >= deadline) {
        kill(member.pid, SIGKILL);
        waitpid(member.pid, &status, 0);
        member.pid = -1;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
}

EtcdCluster::EtcdCluster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EtcdCluster::~EtcdCluster() { Stop(); }

void EtcdCluster::Stop() { impl_->Stop(); }

absl::Status CheckEtcdBinary(const std::string& etcd_path) {
  if (access(etcd_path.c_str(), X_OK) == 0) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(
      "no executable etcd at ", etcd_path,
      ": run scripts/install-deps.sh --bench (Debian's etcd-server), pass --etcd-path, or "
      "--no-etcd"));
}

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(
    const EtcdClusterOptions& options, std::chrono::milliseconds leader_timeout) {
  if (absl::Status found = CheckEtcdBinary(options.etcd_path); !found.ok()) return found;
  // The cluster owns the members from the first spawn on, so an error below still stops them.
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster(std::make_unique<Impl>()));
  if (absl::Status started = cluster->impl_->StartMembers(options); !started.ok()) {
    return started;
  }
  absl::StatusOr<int> leader = cluster->impl_->FindLeader(leader_timeout);
  if (!leader.ok()) return leader.status();
  cluster->impl_->ConnectToLeader(*leader, std::max(1, options.client_connection_count));
  return cluster;
}

absl::StatusOr<double> EtcdCluster::member_cpu_seconds() const {
  double total = 0;
  for (const Member& member : impl_->members) {
    absl::StatusOr<double> cpu = ProcessCpuSeconds(member.pid);
    if (!cpu.ok()) return cpu.status();
    total += *cpu;
  }
  return total;
}

absl::Status EtcdCluster::Put(int proposer, const std::string& key, const std::string& value) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  etcdserverpb::PutResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
  auto& stub = impl_->leader_stubs[proposer % impl_->leader_stubs.size()];
  const grpc::Status status = stub->Put(&context, request, &response);
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat("etcd Put: ", status.error_message()));
}

}  // namespace hamster::bench
