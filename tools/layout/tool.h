#ifndef HAMSTER_TOOLS_LAYOUT_TOOL_H_
#define HAMSTER_TOOLS_LAYOUT_TOOL_H_

// hamster-layout's commands and what they share.

#include <set>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "hamster/layout/layout.h"

namespace hamster::layout_tool {

inline constexpr int kWriteFailed = 1;
inline constexpr int kBadInput = 2;

// Prints "hamster-layout: <message>" to stderr; returns kBadInput.
int Fail(const absl::Status& status);
// Reads and parses FILE; errors name the path.
absl::StatusOr<layout::Layout> Load(const std::string& path);
// Replaces FILE with `layout`; returns 0 or kWriteFailed (after printing why).
int Store(const std::string& path, const layout::Layout& layout);
// Parses a command's arguments: exactly `positionals` (names for the error
// message), options taking values, flags.
absl::StatusOr<ParsedArgs> Arguments(const std::string& command, std::span<char* const> args,
                                     const std::vector<std::string>& positionals,
                                     const std::set<std::string>& values,
                                     const std::set<std::string>& flags = {});

int RunRoleCommand(const std::string& command, std::span<char* const> args);
int RunParameterCommand(const std::string& command, std::span<char* const> args);
int RunPlanOrApply(const std::string& command, std::span<char* const> args);
int RunSync(std::span<char* const> args);

}  // namespace hamster::layout_tool

#endif  // HAMSTER_TOOLS_LAYOUT_TOOL_H_
