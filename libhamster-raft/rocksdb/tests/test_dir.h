// A fresh directory under /tmp for one test, removed with everything in it at scope exit.

#ifndef HAMSTER_RAFT_ROCKSDB_TESTS_TEST_DIR_H_
#define HAMSTER_RAFT_ROCKSDB_TESTS_TEST_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace hamster::raft::testing {

class TestDir {
 public:
  TestDir() {
    std::string pattern = "/tmp/hamster-raft-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TestDir() {
    std::error_code ignored;  // a leftover directory under /tmp is harmless
    std::filesystem::remove_all(path_, ignored);
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_ROCKSDB_TESTS_TEST_DIR_H_
