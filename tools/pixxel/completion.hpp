// `pixxel completion bash|zsh|fish`: a shell completion script made from the CLI11 command
// tree itself (its subcommands, options and flags), so that it cannot drift from the commands.
#ifndef PIXXEL_CLI_COMPLETION_HPP_
#define PIXXEL_CLI_COMPLETION_HPP_

#include <CLI/CLI.hpp>

#include <string>

namespace pixxel_cli {

// The shells completion_script() knows.
inline const std::vector<std::string>& completion_shells() {
  static const std::vector<std::string> shells = {"bash", "zsh", "fish"};
  return shells;
}

// The script for `shell` (one of completion_shells()) completing `app`'s subcommands at every
// level and the options valid there (a level's own and, as the CLI falls through, its
// parents'). An option that takes a value completes file names.
std::string completion_script(const CLI::App& app, const std::string& shell);

// --help-all: `app`'s help, then every command's own (its options included), each under a
// "pixxel jobs create:" heading, the shape help2man turns into a man page section per command.
std::string help_all_text(const CLI::App& app);

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_COMPLETION_HPP_
