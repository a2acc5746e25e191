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
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "command_line.hpp"
#include "completion.hpp"
#include "exit_codes.hpp"
#include "profiles.hpp"

namespace {

using pixxel_cli::Arguments;
using pixxel_cli::Cli;
using pixxel_cli::kProgram;
using pixxel_jobs::StatusLine;

void add_wait_options(CLI::App& command, Arguments& args, const std::string& timeout_names,
                      const std::string& timeout_help) {
  command
      .add_option("--poll-interval", args.poll_interval,
                  "Seconds between polls at first; the pause grows up to 30 s")
      ->capture_default_str()
      ->check(pixxel_cli::seconds(/*allow_zero=*/false));
  command.add_option(timeout_names, args.wait_timeout, timeout_help)
      ->check(pixxel_cli::seconds(/*allow_zero=*/true));
}

// What the run printed that must not vanish with a standard output that could not be written.
struct OutputNotes {
  bool json = false;
  std::string job_id;              // the job a create made
  std::vector<std::string> lines;  // what to say about it
};

// A run's output counts only once it is out: a full disk or a closed pipe fails the command.
int finish_output(int code, const OutputNotes& notes, pixxel_cli::StdoutBuffer& out) {
  int error = out.error();
  // Nothing of pixxel's writes through stdio; a library might.
  errno = 0;
  if (error == 0 && std::fflush(stdout) != 0) error = errno != 0 ? errno : EIO;
  if (error == 0) return code;
  const bool said_nothing = code == pixxel_examples::kOk;
  if (said_nothing) {
    code = error == EPIPE ? pixxel_examples::kBrokenPipe : pixxel_examples::kUnexpected;
  }
  if (error == EPIPE || !said_nothing) {
    // A reader that went away is said nothing, as `cat` does, and an error already said stays
    // the last word; but a job made must not be lost with the output that named it.
    for (const std::string& line : notes.lines) std::cerr << kProgram << ": " << line << "\n";
    std::cerr << std::flush;
    return code;
  }
  pixxel_examples::ErrorReport report;
  report.exit_code = code;
  report.type = "write_failed";
  report.message = "cannot write to standard output: " + std::string(std::strerror(error));
  report.job_id = notes.job_id;
  report.hints = notes.lines;
  return pixxel_examples::print_error(kProgram, report, notes.json);
}

int run(int argc, char** argv, OutputNotes& notes);

}  // namespace

int main(int argc, char** argv) {
  // A reader of stdout that goes away (`pixxel ... | head -c 10`) is handled where the write
  // fails, cleaning up, rather than ending the process on the spot.
  std::signal(SIGPIPE, SIG_IGN);
  pixxel_cli::StdoutBuffer& out = pixxel_cli::StdoutBuffer::install();
  OutputNotes notes;
  const int code = run(argc, argv, notes);
  return finish_output(code, notes, out);
}

namespace {

int run(int argc, char** argv, OutputNotes& notes) {
  CLI::App app{
      "Create, inspect, wait for and download Pixxel jobs; list projects and workflows, and "
      "what a job will cost.",
      kProgram};
  app.set_version_flag("--version",
                       std::string(kProgram) + " (pixxel-cpp " + pixxel::version() + ")");
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the command
  app.footer(
      "The API key comes from --api-key or PIXXEL_API_KEY, the server from --base-url or "
      "PIXXEL_BASE_URL.\n"
      "Exit codes: 0 ok, 1 unexpected, 2 usage, 3 configuration, 4 invalid argument, "
      "5 authentication, 6 not found, 7 rate limited, 8 request rejected, 9 server error, "
      "10 network error, 11 timeout, 12 bad answer, 13 job failed, 14 over --max-cost, "
      "15 job not finished, 130 interrupted, 141 stdout closed (broken pipe).");

  Arguments args;
  app.add_option("--api-key", args.api_key, "API key (default: $PIXXEL_API_KEY)");
  app.add_option("--base-url", args.base_url,
                 "API base URL (default: $PIXXEL_BASE_URL, else https://api.pixxel.space)");
  app.add_flag("--json", args.json,
               "Print the API's answer as received (see README: jobs wait and create --wait "
               "print the last poll's; workflows list --all an array of the pages; download "
               "{path, bytes, link}); errors as one line of JSON on stderr");
  app.add_flag("--allow-insecure-http", args.allow_insecure_http,
               "Allow a plain http:// --base-url to another machine (the key travels unencrypted)");
  const CLI::Option* request_timeout =
      app.add_option("--timeout,--request-timeout", args.request_timeout,
                     "Seconds each request may take; 0: no limit (default: 60). Waits have "
                     "--wait-timeout")
          ->check(pixxel_cli::seconds(/*allow_zero=*/true));
  const CLI::Option* retries =
      app.add_option("--retries", args.retries, "Retries of a failed request (default: 2)")
          ->check(pixxel_cli::whole_number(0, 100));
  app.add_flag("-v,--verbose", args.verbose, "Log every request to stderr");

  // Created after fallthrough(), so `jobs` and its commands inherit it.
  CLI::App* jobs = app.add_subcommand("jobs", "Create, inspect, wait for and download jobs");
  jobs->require_subcommand(1);

  CLI::App* create = jobs->add_subcommand("create", "Create a job from a workflow");
  create->add_option("workflow", args.workflow, "Workflow id")->required();
  create->add_option("--project", args.project, "Project id")->required();
  const CLI::Option* max_cost =
      create
          ->add_option("--max-cost", args.max_cost,
                       "Ask for the workflow's cost estimate first, and create no job when it "
                       "is above N tokens (exit 14)")
          ->check(pixxel_cli::whole_number(0, std::numeric_limits<std::int64_t>::max()));
  create->add_flag("--wait", args.wait, "Wait for the job to end, showing its progress");
  add_wait_options(*create, args, "--wait-timeout", "With --wait, give up after SECONDS");

  CLI::App* get = jobs->add_subcommand("get", "Show a job and its tasks");
  get->add_option("workflow", args.workflow, "Workflow id")->required();
  get->add_option("job", args.job, "Job id")->required();

  CLI::App* list = jobs->add_subcommand("list", "List a workflow's jobs");
  list->add_option("workflow", args.workflow, "Workflow id")->required();
  list->add_option("--status", args.query.status,
                   std::string("Only jobs in this status; Pixxel's docs name ") +
                       pixxel_cli::kDocumentedStatuses + " (as examples, so any is sent)");
  list->add_option("--id", args.query.id, "Only the job with this id");
  list->add_option("--created-by", args.query.created_by, "Only jobs created by this user id");
  list->add_option("--created-on", args.query.created_on,
                   "Only jobs created on this date (YYYY-MM-DD)")
      ->check(pixxel_cli::iso_date());

  CLI::App* wait = jobs->add_subcommand("wait", "Wait for a job to end, showing its progress");
  wait->add_option("workflow", args.workflow, "Workflow id")->required();
  wait->add_option("job", args.job, "Job id")->required();
  add_wait_options(*wait, args, "--wait-timeout", "Give up after SECONDS (default: never)");

  CLI::App* download = jobs->add_subcommand("download", "Download a job's or a task's files");
  download->add_option("workflow", args.workflow, "Workflow id")->required();
  download->add_option("job", args.job, "Job id")->required();
  download->add_option("--task", args.task, "Only this task's files (its id or name)");
  download->add_option("-o,--output", args.output,
                       "File or folder to write to, - for stdout (default: JOB[-TASK].zip)");
  download->add_flag("-f,--force", args.force, "Replace the file if it exists");
  download->add_flag("--wait", args.wait, "Wait for the job to end first, showing its progress");
  add_wait_options(*download, args, "--wait-timeout",
                   "Give up waiting after SECONDS (default: none for the job with --wait; 300 "
                   "for its archive). Without --wait, a job that has not ended exits 15");

  CLI::App* projects = app.add_subcommand("projects", "List and show projects");
  projects->require_subcommand(1);
  CLI::App* projects_list =
      projects->add_subcommand("list", "List your projects, a page at a time");
  projects_list->add_option("--page", args.projects_query.page_num, "Which page, from 1")
      ->capture_default_str()
      ->check(pixxel_cli::whole_number(1, std::numeric_limits<std::int64_t>::max() / 2));
  projects_list->add_option("--page-size", args.projects_query.page_size, "Projects per page")
      ->capture_default_str()
      ->check(pixxel_cli::whole_number(1, 1000));
  CLI::App* projects_get = projects->add_subcommand("get", "Show a project");
  projects_get->add_option("project", args.project, "Project id")->required();

  CLI::App* workflows = app.add_subcommand("workflows",
                                           "List and show workflows, and estimate "
                                           "what a job of one will cost");
  workflows->require_subcommand(1);
  CLI::App* workflows_list =
      workflows->add_subcommand("list", "List workflows, a page at a time (--all: every page)");
  pixxel::ListWorkflowsQuery& wq = args.workflows_query;
  workflows_list->add_option("--project", wq.project_id, "Only this project's workflows");
  workflows_list->add_option("--id", wq.id, "Only the workflow with this id");
  workflows_list->add_option("--name", wq.name, "Only workflows with this name");
  workflows_list->add_option("--created-by", wq.created_by, "Only workflows created by this user");
  workflows_list
      ->add_option("--created-on", wq.created_on,
                   "Only workflows created on this date (YYYY-MM-DD)")
      ->check(pixxel_cli::iso_date());
  workflows_list
      ->add_option("--updated-at", wq.updated_at,
                   "Only workflows last updated on this date (YYYY-MM-DD)")
      ->check(pixxel_cli::iso_date());
  workflows_list->add_option("--offset", wq.offset, "Matching workflows to skip")
      ->capture_default_str()
      ->check(pixxel_cli::whole_number(0, std::numeric_limits<std::int64_t>::max() / 2));
  workflows_list->add_option("--limit", wq.limit, "Workflows per page")
      ->capture_default_str()
      ->check(pixxel_cli::whole_number(1, 1000));
  workflows_list->add_flag("--all", args.all, "Every page, from --offset on");
  CLI::App* workflows_get =
      workflows->add_subcommand("get", "Show a workflow, its cost estimate and its validity");
  workflows_get->add_option("workflow", args.workflow, "Workflow id")->required();
  workflows_get->add_option("--project", args.project, "Its project's id")->required();
  CLI::App* workflows_estimate =
      workflows->add_subcommand("estimate", "What a job of the workflow is expected to cost");
  workflows_estimate->add_option("workflow", args.workflow, "Workflow id")->required();

  CLI::App* ping = app.add_subcommand("ping", "Check that the server answers (needs no key)");

  // Configuration and discoverability (profiles.hpp, completion.hpp).
  std::optional<std::string> profile;
  app.add_option("--profile", profile,
                 "Settings from this profile of the config file (default: $PIXXEL_PROFILE, "
                 "else the file's default_profile); see `pixxel profiles`");
  app.add_flag_callback(
      "--help-all",
      [&app] {
        std::cout << pixxel_cli::help_all_text(app);
        throw CLI::Success();
      },
      "Print the help of every command");
  CLI::App* profiles =
      app.add_subcommand("profiles",
                         "List the config file's profiles ($PIXXEL_CONFIG, else "
                         "$XDG_CONFIG_HOME/pixxel/config.toml, else ~/.config/pixxel/config.toml)");
  std::string shell;
  CLI::App* completion =
      app.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  completion->add_option("shell", shell, "The shell")
      ->required()
      ->check(CLI::IsMember(pixxel_cli::completion_shells()));

  CLI::App* help = app.add_subcommand("help", "Show the help of a command: pixxel help jobs list");
  std::vector<std::string> help_words;
  help->add_option("command", help_words, "The command")->expected(0, -1);
  CLI::App* version = app.add_subcommand("version", "Show the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      const std::vector<std::string> words(argv + 1, argv + argc);
      if (auto unknown = pixxel_cli::unknown_command(app, words)) {
        return pixxel_cli::report_usage_error(*unknown, argc, argv);
      }
    }
    return pixxel_cli::report_parse_error(app, e, argc, argv);
  }
  notes.json = args.json;
  if (help->parsed()) {
    const CLI::App* command = pixxel_cli::find_command(app, help_words);
    if (command == nullptr) {
      std::vector<std::string> words = help_words;
      return pixxel_cli::report_usage_error(
          pixxel_cli::unknown_command(app, words).value_or("no such command"), argc, argv);
    }
    // Not help(): for the program it would show the help of the command that ran, `help`.
    std::string name = command->get_name();
    for (const CLI::App* parent = command->get_parent(); parent != nullptr;
         parent = parent->get_parent()) {
      name = parent->get_name() + " " + name;
    }
    std::cout << command->get_formatter()->make_help(command, name, CLI::AppFormatMode::Normal);
    return pixxel_examples::kOk;
  }
  if (version->parsed()) {
    std::cout << kProgram << " (pixxel-cpp " << pixxel::version() << ")\n";
    return pixxel_examples::kOk;
  }

  if (completion->parsed()) {
    std::cout << pixxel_cli::completion_script(app, shell);
    return pixxel_examples::kOk;
  }

  // Before the client starts any thread: Ctrl-C cancels what runs rather than killing it.
  pixxel_cli::Interrupts& interrupts = pixxel_cli::Interrupts::watch();
  StatusLine line(isatty(STDERR_FILENO) == 1);
  std::optional<Cli> running;
  try {
    if (profiles->parsed()) return pixxel_cli::print_profiles(std::cout);
    args.profile_flag = profile.value_or("");
    // An empty value means "not set" to the client, which then looks further.
    args.api_key_flag = !args.api_key.empty();
    args.base_url_flag = !args.base_url.empty();
    const pixxel_cli::AppliedProfile applied = pixxel_cli::apply_profile(
        profile, {app.get_option_no_throw("--api-key"), app.get_option_no_throw("--base-url"),
                  app.get_option_no_throw("--timeout"), app.get_option_no_throw("--retries")});
    if (applied.api_key) args.key_profile = applied.where();
    if (applied.base_url) args.url_profile = applied.where();
    Cli& cli = running.emplace(args, line, interrupts.token());
    cli.connect(*request_timeout, *retries, /*keyless=*/ping->parsed(),
                /*record_answers=*/create->parsed());
    if (create->parsed()) {
      const int code = cli.create(max_cost->count() > 0);
      notes.job_id = cli.created_job();
      notes.lines = cli.created_notes();
      return code;
    }
    if (get->parsed()) return cli.get();
    if (list->parsed()) return cli.list();
    if (wait->parsed()) return cli.wait();
    if (download->parsed()) return cli.download();
    if (projects_list->parsed()) return cli.list_projects();
    if (projects_get->parsed()) return cli.get_project();
    if (workflows_list->parsed()) return cli.list_workflows();
    if (workflows_get->parsed()) return cli.get_workflow();
    if (workflows_estimate->parsed()) return cli.estimate();
    if (ping->parsed()) return cli.ping();
    return pixxel_examples::kUsage;
  } catch (...) {
    line.finish();
    pixxel_examples::ErrorReport report =
        pixxel_examples::describe_current_exception(pixxel_cli::error_context(args));
    if (interrupts.signal() != 0) {
      report = {};
      report.exit_code = 128 + interrupts.signal();
      report.type = "interrupted";
      report.message = "interrupted";
    }
    if (running) {
      report.hints = running->hints();
      report.job_id = running->answered_job();
      report.candidates = running->candidates();
    }
    return pixxel_examples::print_error(kProgram, report, args.json);
  }
}

}  // namespace
