// pixxel help [COMMAND...], pixxel version.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "pixxel/pixxel.hpp"

namespace pixxel_cli {

namespace {

// Not help(): for the program it would show the help of the command that ran, `help`.
int print_help(const CLI::App& app, const std::vector<std::string>& words, const Program& program) {
  const CLI::App* command = find_command(app, words);
  if (command == nullptr) {
    return report_usage_error(unknown_command(app, words).value_or("no such command"),
                              program.argc(), program.argv());
  }
  std::string name = command->get_name();
  for (const CLI::App* parent = command->get_parent(); parent != nullptr;
       parent = parent->get_parent()) {
    name = parent->get_name() + " " + name;
  }
  std::cout << command->get_formatter()->make_help(command, name, CLI::AppFormatMode::Normal);
  return kOk;
}

}  // namespace

void setup_help_commands(CLI::App& app, Program& program) {
  auto words = std::make_shared<std::vector<std::string>>();
  CLI::App* help = app.add_subcommand("help", "Show the help of a command: pixxel help jobs list");
  help->add_option("command", *words, "The command")->expected(0, -1);
  help->callback(
      [&app, &program, words] { program.finish_with(print_help(app, *words, program)); });

  CLI::App* version = app.add_subcommand("version", "Show the version");
  version->callback([&program] {
    std::cout << kProgram << " (pixxel-cpp " << pixxel::version() << ")\n";
    program.finish_with(kOk);
  });
}

}  // namespace pixxel_cli
