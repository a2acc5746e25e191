// pixxel profiles.
#include <iostream>

#include "commands.hpp"
#include "profiles.hpp"

namespace pixxel_cli {

void setup_profiles_commands(CLI::App& app, Program& program) {
  CLI::App* profiles =
      app.add_subcommand("profiles",
                         "List the config file's profiles ($PIXXEL_CONFIG, else "
                         "$XDG_CONFIG_HOME/pixxel/config.toml, else ~/.config/pixxel/config.toml)");
  profiles->callback(
      [&program] { program.run_without_client([] { return print_profiles(std::cout); }); });
}

}  // namespace pixxel_cli
