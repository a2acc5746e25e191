// The pixxel CLI's commands, a group per file (<noun>_commands.cpp). Each setup_*_commands
// adds its group's commands to `app`, each with its own options and a callback that runs the
// command through `program` (program.hpp).
//
// Adding a command: its file (options, callback, what it does, as jobs_commands.cpp does),
// its setup function declared here, and one line in main(). Commands appear in --help, the
// man page and the completion scripts in the order main() sets them up.
#ifndef PIXXEL_CLI_COMMANDS_HPP_
#define PIXXEL_CLI_COMMANDS_HPP_

#include <CLI/CLI.hpp>

#include "program.hpp"

namespace pixxel_cli {

// pixxel jobs create|get|list|wait|download (jobs_commands.cpp).
void setup_jobs_commands(CLI::App& app, Program& program);
// pixxel projects list|get (projects_commands.cpp).
void setup_projects_commands(CLI::App& app, Program& program);
// pixxel workflows list|get|estimate (workflows_commands.cpp).
void setup_workflows_commands(CLI::App& app, Program& program);
// pixxel ping (ping_commands.cpp).
void setup_ping_commands(CLI::App& app, Program& program);
// pixxel profiles (profiles_commands.cpp).
void setup_profiles_commands(CLI::App& app, Program& program);
// pixxel completion bash|zsh|fish (completion_commands.cpp).
void setup_completion_commands(CLI::App& app, Program& program);
// pixxel help [COMMAND...], pixxel version (help_commands.cpp).
void setup_help_commands(CLI::App& app, Program& program);

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_COMMANDS_HPP_
