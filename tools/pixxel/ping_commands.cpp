// pixxel ping.
#include <iostream>
#include <string>

#include "commands.hpp"
#include "session.hpp"

namespace pixxel_cli {

namespace {

int ping(Session& session) {
  const std::string answer = session.client().ping(session.call());
  if (session.json()) {
    session.print_answer();
  } else {
    std::cout << printable(answer) << "\n";
  }
  return kOk;
}

}  // namespace

void setup_ping_commands(CLI::App& app, Program& program) {
  CLI::App* ping_command =
      app.add_subcommand("ping", "Check that the server answers (needs no key)");
  ping_command->callback([&program] {
    ClientNeeds needs;
    needs.keyless = true;
    program.run_with_client(needs, ping);
  });
}

}  // namespace pixxel_cli
