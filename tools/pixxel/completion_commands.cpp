// pixxel completion bash|zsh|fish.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "completion.hpp"

namespace pixxel_cli {

void setup_completion_commands(CLI::App& app, Program& program) {
  auto shell = std::make_shared<std::string>();
  CLI::App* completion =
      app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  completion->add_option("shell", *shell, "The shell")
      ->required()
      ->check(CLI::IsMember(completion_shells()));
  // The script is made from the whole command tree, whatever was set up after this command.
  completion->callback([&app, &program, shell] {
    std::cout << completion_script(app, *shell);
    program.finish_with(kOk);
  });
}

}  // namespace pixxel_cli
