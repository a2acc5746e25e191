// pixxel: create, inspect, wait for and download Pixxel jobs from the command line, and find
// the projects and workflows to run them in. Commands are noun-verb, as gcloud's and aws's are.
//
//   pixxel projects list [--page N] [--page-size N]
//   pixxel projects get PROJECT
//   pixxel workflows list [--project P] [--id I] [--name N] [--created-by U] [--created-on DATE]
//                         [--updated-at DATE] [--offset N] [--limit N] [--all]
//   pixxel workflows get WORKFLOW --project P
//   pixxel workflows estimate WORKFLOW
//   pixxel ping
//   pixxel jobs create WORKFLOW --project P [--max-cost N] [--wait]
//   pixxel jobs get WORKFLOW JOB
//   pixxel jobs list WORKFLOW [--status S] [--id I] [--created-by U] [--created-on DATE]
//   pixxel jobs wait WORKFLOW JOB [--timeout SECONDS] [--poll-interval SECONDS]
//   pixxel jobs download WORKFLOW JOB [--task T] [--output FILE] [--wait]
//
// The key comes from --api-key or PIXXEL_API_KEY, the server from --base-url or
// PIXXEL_BASE_URL. Results go to stdout (--json: as the API's JSON), progress and errors to
// stderr; the exit code says what went wrong (exit_codes.hpp).
//
// Each group of commands is set up by its own file (commands.hpp); program.hpp holds the
// global options and runs the command chosen.
#include <CLI/CLI.hpp>

#include <csignal>

#include "command_line.hpp"
#include "commands.hpp"
#include "program.hpp"

int main(int argc, char** argv) {
  using namespace pixxel_cli;
  // A reader of stdout that goes away (`pixxel ... | head -c 10`) is handled where the write
  // fails, cleaning up, rather than ending the process on the spot.
  std::signal(SIGPIPE, SIG_IGN);
  StdoutBuffer& out = StdoutBuffer::install();

  CLI::App app{
      "Create, inspect, wait for and download Pixxel jobs; list projects and workflows, and "
      "what a job will cost.",
      kProgram};
  Program program(app);  // first: the commands inherit its settings
  // In the order --help lists them.
  setup_jobs_commands(app, program);
  setup_projects_commands(app, program);
  setup_workflows_commands(app, program);
  setup_ping_commands(app, program);
  setup_profiles_commands(app, program);
  setup_completion_commands(app, program);
  setup_help_commands(app, program);

  return program.finish_output(program.run(argc, argv), out);
}
