#ifndef HAMSTER_TOOLS_LAYOUT_FILE_IO_H_
#define HAMSTER_TOOLS_LAYOUT_FILE_IO_H_

// Reading a layout file whole, and replacing it so that a crash leaves either
// the old file or the new one: a temporary file in the same directory,
// fsynced, renamed over the old one, and the directory fsynced.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hamster::layout_tool {

// Returns NotFound or another code naming the path and the OS reason.
absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path);
absl::Status ReplaceFile(const std::string& path, const std::vector<uint8_t>& bytes);
bool FileExists(const std::string& path);

}  // namespace hamster::layout_tool

#endif  // HAMSTER_TOOLS_LAYOUT_FILE_IO_H_
