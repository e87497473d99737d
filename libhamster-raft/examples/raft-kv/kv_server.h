// The client side of raft-kv: a line protocol over TCP (meant for loopback), one thread per
// connection. Requests and answers are single lines; keys and values are words without
// spaces.
//
//   PUT <key> <value>  -> OK | REDIRECT <leader id> | ERR <reason>   (acknowledged = OK:
//                         the PUT is committed and applied here)
//   GET <key>          -> VALUE <value> | NOTFOUND | ERR <reason>   (linearizable: ReadIndex)
//   LOCALGET <key>     -> VALUE <value> | NOTFOUND                  (this replica, as is)
//   STATUS             -> STATUS id=<id> role=<role> leader=<id> term=<t> applied=<index>

#ifndef HAMSTER_RAFT_EXAMPLES_RAFT_KV_KV_SERVER_H_
#define HAMSTER_RAFT_EXAMPLES_RAFT_KV_KV_SERVER_H_

#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "hamster/raft/node.h"
#include "kv_state_machine.h"

namespace raft_kv {

class KvServer {
 public:
  KvServer(hamster::raft::Node* node, KvStateMachine* kv) : node_(node), kv_(kv) {}
  ~KvServer();  // Stop()s

  // Binds `host:port` (a numeric IPv4 address) and starts accepting.
  absl::Status Start(const std::string& address);
  // Closes the listener and every connection, and waits for their threads.
  void Stop();

  // Answers one request line.
  std::string Handle(const std::string& line);

 private:
  void AcceptLoop();
  struct Connection {
    int fd = -1;
    bool done = false;  // Serve() returned; the thread can be joined
    std::thread thread;
  };
  void ReapLocked();
  void Serve(Connection* connection);
  std::string Put(const std::string& key, const std::string& value);
  std::string Get(const std::string& key);

  hamster::raft::Node* const node_;
  KvStateMachine* const kv_;
  int listen_fd_ = -1;
  std::thread acceptor_;
  std::mutex mutex_;
  bool stopping_ = false;
  std::list<Connection> connections_;
};

}  // namespace raft_kv

#endif  // HAMSTER_RAFT_EXAMPLES_RAFT_KV_KV_SERVER_H_
