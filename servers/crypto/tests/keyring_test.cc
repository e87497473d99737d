#include "hamster/crypto/keyring.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

namespace hamster::crypto {
namespace {

Key KeyOf(uint8_t fill) {
  Key key;
  key.fill(fill);
  return key;
}

std::string TempDir() {
  char pattern[] = "/tmp/hamster-keyring-test-XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  REQUIRE(dir != nullptr);
  return dir;
}

TEST_CASE("Keyring: serializes and parses back, active key and ids", "[crypto]") {
  Keyring keyring = Keyring::WithFirstKey(KeyOf(1), 100);
  CHECK(keyring.active_id() == "key-1");
  CHECK(keyring.AddActive(KeyOf(2), 200) == "key-2");
  auto parsed = Keyring::Parse(keyring.Serialize());
  REQUIRE(parsed.ok());
  CHECK(parsed->active_id() == "key-2");
  REQUIRE(parsed->keys().size() == 2);
  CHECK(parsed->Find("key-1")->key == KeyOf(1));
  CHECK(parsed->Find("key-2")->created_unix_seconds == 200);
  // Ids are never reused, even after the newest is removed.
  CHECK(parsed->AddActive(KeyOf(3), 300) == "key-3");
  REQUIRE(parsed->Remove("key-2").ok());
  CHECK(parsed->AddActive(KeyOf(4), 400) == "key-4");
}

TEST_CASE("Keyring: the active key cannot be removed, unknown ids are NotFound", "[crypto]") {
  Keyring keyring = Keyring::WithFirstKey(KeyOf(1), 100);
  CHECK(absl::IsFailedPrecondition(keyring.Remove("key-1")));
  CHECK(absl::IsNotFound(keyring.Remove("key-9")));
}

TEST_CASE("Keyring: malformed text is refused with the line", "[crypto]") {
  CHECK(absl::IsInvalidArgument(Keyring::Parse("").status()));
  CHECK(absl::IsInvalidArgument(Keyring::Parse("something else\n").status()));
  CHECK(absl::IsInvalidArgument(Keyring::Parse("hamster-keyring 2\n").status()));
  const std::string no_active = "hamster-keyring 1\nnext-id 2\nactive key-7\n";
  CHECK(absl::IsInvalidArgument(Keyring::Parse(no_active).status()));
  auto short_key = Keyring::Parse("hamster-keyring 1\nkey key-1 5 AAAA\n");
  REQUIRE(absl::IsInvalidArgument(short_key.status()));
  CHECK(std::string(short_key.status().message()).find("line 2") != std::string::npos);
}

TEST_CASE("Keyring file: saved 0600, loaded back, loose permissions refused", "[crypto]") {
  const std::string dir = TempDir();
  const std::string path = dir + "/keyring";
  CHECK(absl::IsNotFound(LoadKeyring(path).status()));
  Keyring keyring = Keyring::WithFirstKey(KeyOf(5), 1);
  REQUIRE(SaveKeyring(path, keyring).ok());
  struct stat info;
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  keyring.AddActive(KeyOf(6), 2);
  REQUIRE(SaveKeyring(path, keyring).ok());  // replaces
  auto loaded = LoadKeyring(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->active_id() == "key-2");
  CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  CHECK(absl::IsPermissionDenied(LoadKeyring(path).status()));
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  std::ofstream(path) << "garbage\n";
  CHECK(absl::IsDataLoss(LoadKeyring(path).status()));
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace hamster::crypto
