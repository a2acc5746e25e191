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

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "exit_codes.hpp"
#include "output.hpp"
#include "pixxel/pixxel.hpp"
#include "text.hpp"

namespace {

using pixxel::internal::iequals;
using pixxel_jobs::StatusLine;
using std::chrono::milliseconds;

constexpr const char* kProgram = "pixxel";
constexpr milliseconds kMaxPollInterval{30000};
constexpr std::chrono::seconds kDefaultArchiveWait{300};

using Clock = std::chrono::steady_clock;

struct Arguments {
  // Global options.
  std::string api_key;
  std::string base_url;
  bool json = false;
  bool verbose = false;
  double request_timeout = 0;  // seconds; used only when given
  int retries = 0;             // used only when given
  // Command arguments (each command reads its own).
  std::string workflow;
  std::string job;
  std::string project;
  std::string task;
  std::string output;
  pixxel::ListJobsQuery query;
  pixxel::ListWorkflowsQuery workflows_query;
  pixxel::ListProjectsQuery projects_query;
  bool all = false;
  std::int64_t max_cost = 0;  // used only when given
  bool wait = false;
  bool force = false;
  double poll_interval = 2;
  double wait_timeout = 0;  // seconds; 0: the command's default
};

milliseconds to_milliseconds(double seconds) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(seconds));
}

// A file name made of an id: no directories, no control characters.
std::string file_name_part(std::string_view id) {
  std::string name = pixxel_jobs::printable(id);
  std::replace(name.begin(), name.end(), '/', '_');
  std::replace(name.begin(), name.end(), '?', '_');
  return name;
}

class Cli {
 public:
  Cli(const Arguments& args, StatusLine& line) : args_(args), line_(line) {}

  void connect(const CLI::Option& request_timeout, const CLI::Option& retries, bool keyless) {
    pixxel::ClientOptions options;
    options.api_key = args_.api_key;
    const char* env_key = std::getenv("PIXXEL_API_KEY");
    if (keyless && options.api_key.empty() && (env_key == nullptr || *env_key == '\0')) {
      // The client insists on a key, but the health check is sent without one (the SDK
      // never sends Authorization to /ping), so any placeholder will do.
      options.api_key = "none";
    }
    options.base_url = args_.base_url;
    if (request_timeout.count() > 0) options.timeout = to_milliseconds(args_.request_timeout);
    if (retries.count() > 0) options.retry.max_retries = args_.retries;
    options.user_agent = std::string("pixxel-cli/") + pixxel::version();
    if (args_.verbose) {
      // The event never holds the key: the SDK redacts Authorization before calling this.
      options.on_request = [this](const pixxel::RequestEvent& event) {
        std::string text = std::string(kProgram) + ": " + event.method + " " +
                           pixxel_jobs::printable(event.url) + " -> " +
                           (event.status_code == 0 ? std::string("no answer")
                                                   : std::to_string(event.status_code)) +
                           " in " + std::to_string(event.elapsed.count()) + " ms";
        if (event.attempt > 1) text += " (attempt " + std::to_string(event.attempt) + ")";
        if (!event.error.empty()) text += ": " + pixxel_jobs::printable(event.error);
        line_.message(text);
      };
    }
    client_.emplace(std::move(options));
  }

  int create(bool max_cost_given) {
    if (max_cost_given) {
      const std::int64_t cost = client_->estimate_cost(args_.workflow).estimated_cost;
      const std::string figures = std::to_string(cost) + " tokens";
      const std::string limit = "--max-cost " + std::to_string(args_.max_cost);
      if (cost > args_.max_cost) {
        std::cerr << kProgram << ": the estimated cost of workflow "
                  << pixxel_jobs::printable(args_.workflow) << " is " << figures << ", above "
                  << limit << "; no job was created\n";
        return pixxel_examples::kOverBudget;
      }
      line_.message(std::string(kProgram) + ": estimated cost " + figures + ", within " + limit);
    }
    pixxel::Job job = client_->create_job(args_.workflow, args_.project);
    if (!args_.wait) return print(job);
    line_.message(std::string(kProgram) + ": created job " + pixxel_jobs::printable(job.id) +
                  ", waiting for it");
    return finish(wait_for(job.id, &job, wait_deadline()));
  }

  int get() { return print(client_->get_job(args_.workflow, args_.job)); }

  int list() {
    const std::vector<pixxel::Job> jobs = client_->list_jobs(args_.workflow, args_.query);
    if (args_.json) {
      std::cout << nlohmann::json(jobs).dump(2) << "\n";
    } else if (jobs.empty()) {
      line_.message(std::string(kProgram) + ": no jobs found");
    } else {
      pixxel_jobs::print_job_list(std::cout, jobs);
    }
    return pixxel_examples::kOk;
  }

  int wait() { return finish(wait_for(args_.job, nullptr, wait_deadline())); }

  int list_projects() {
    const pixxel::ProjectPage page = client_->list_projects(args_.projects_query);
    if (args_.json) {
      std::cout << nlohmann::json(page).dump(2) << "\n";
      return pixxel_examples::kOk;
    }
    if (page.projects.empty()) {
      line_.message(std::string(kProgram) + ": no projects on page " +
                    std::to_string(args_.projects_query.page_num) + " (" +
                    std::to_string(page.total) + " in all)");
      return pixxel_examples::kOk;
    }
    pixxel_jobs::print_project_list(std::cout, page.projects);
    const std::int64_t size = args_.projects_query.page_size;
    const std::int64_t pages = (page.total + size - 1) / size;
    if (args_.projects_query.page_num < pages) {
      line_.message(std::string(kProgram) + ": page " +
                    std::to_string(args_.projects_query.page_num) + " of " + std::to_string(pages) +
                    " (" + std::to_string(page.total) + " projects); --page " +
                    std::to_string(args_.projects_query.page_num + 1) + " for the next");
    }
    return pixxel_examples::kOk;
  }

  int get_project() {
    const pixxel::Project project = client_->get_project(args_.project);
    if (args_.json) {
      std::cout << nlohmann::json(project).dump(2) << "\n";
    } else {
      pixxel_jobs::print_project(std::cout, project);
    }
    return pixxel_examples::kOk;
  }

  int list_workflows() {
    const pixxel::ListWorkflowsQuery& query = args_.workflows_query;
    std::vector<pixxel::WorkflowSummary> workflows;
    std::optional<pixxel::WorkflowPage> page;
    if (args_.all) {
      workflows = client_->list_all_workflows(query);
    } else {
      page = client_->list_workflows(query);
      workflows = page->workflows;
    }
    if (args_.json) {
      std::cout << (page ? nlohmann::json(*page) : nlohmann::json(workflows)).dump(2) << "\n";
      return pixxel_examples::kOk;
    }
    if (workflows.empty()) {
      line_.message(std::string(kProgram) + ": no workflows found");
      return pixxel_examples::kOk;
    }
    pixxel_jobs::print_workflow_list(std::cout, workflows);
    if (page) {
      const std::int64_t next = query.offset + static_cast<std::int64_t>(workflows.size());
      if (next < page->pagination.total) {
        line_.message(std::string(kProgram) + ": workflows " + std::to_string(query.offset + 1) +
                      "-" + std::to_string(next) + " of " + std::to_string(page->pagination.total) +
                      "; --offset " + std::to_string(next) +
                      " for the next page, --all for every one");
      }
    }
    return pixxel_examples::kOk;
  }

  int get_workflow() {
    const pixxel::Workflow workflow = client_->get_workflow(args_.workflow, args_.project);
    if (args_.json) {
      std::cout << nlohmann::json(workflow).dump(2) << "\n";
    } else {
      pixxel_jobs::print_workflow(std::cout, workflow);
    }
    return pixxel_examples::kOk;
  }

  int estimate() {
    const pixxel::CostEstimate estimate = client_->estimate_cost(args_.workflow);
    if (args_.json) {
      std::cout << nlohmann::json(estimate).dump(2) << "\n";
    } else {
      std::cout << "workflow " << pixxel_jobs::printable(args_.workflow) << ": estimated cost "
                << estimate.estimated_cost << " tokens\n";
    }
    return pixxel_examples::kOk;
  }

  int ping() {
    const std::string answer = client_->ping();
    if (args_.json) {
      std::cout << nlohmann::json(answer).dump() << "\n";
    } else {
      std::cout << pixxel_jobs::printable(answer) << "\n";
    }
    return pixxel_examples::kOk;
  }

  int download() {
    const std::string path = output_path();
    std::error_code error;
    if (!args_.force && std::filesystem::exists(path, error)) {
      throw pixxel::InvalidArgumentError("\"" + path + "\" exists; pass --force to replace it");
    }
    // With --wait the job may take as long as it needs; without, a job that is still running
    // is waited for only up to kDefaultArchiveWait.
    std::optional<Clock::time_point> deadline = wait_deadline();
    if (!deadline && !args_.wait) deadline = Clock::now() + kDefaultArchiveWait;

    std::optional<pixxel::Job> job;
    if (args_.wait) job = wait_for(args_.job, nullptr, deadline);
    std::string task_id = args_.task;
    if (!task_id.empty()) {
      if (!job) job = client_->get_job(args_.workflow, args_.job);
      task_id = resolve_task(*job, task_id);
    }
    if (job && pixxel::is_terminal_status(job->status)) {
      if (auto failed = check_failed(*job, task_id)) return *failed;
    }

    pixxel::DownloadLink link = ask_for_link(task_id);
    if (!iequals(link.status, "ready")) {
      // The archive exists only once the job (or the task) has ended.
      if (!job || !pixxel::is_terminal_status(job->status)) {
        job = client_->get_job(args_.workflow, args_.job);
      }
      if (!pixxel::is_terminal_status(job->status)) {
        line_.message(std::string(kProgram) + ": job " + pixxel_jobs::printable(job->id) +
                      " has not ended yet (status \"" + pixxel_jobs::printable(job->status) +
                      "\"); waiting for it");
        job = wait_for(args_.job, &*job, deadline);
        if (auto failed = check_failed(*job, task_id)) return *failed;
        link = ask_for_link(task_id);
      }
      link = wait_for_archive(std::move(link), task_id,
                              deadline.value_or(Clock::now() + kDefaultArchiveWait));
    }

    pixxel_jobs::DownloadProgressView view(line_, path);
    pixxel::SaveOptions save;
    save.overwrite = args_.force;
    save.on_progress = [&](const pixxel::DownloadProgress& progress) { view.update(progress); };
    const std::uint64_t bytes = client_->save_download(link, path, save);
    line_.finish();

    const std::filesystem::path absolute = std::filesystem::absolute(path, error);
    const std::string where = error ? path : absolute.string();
    if (args_.json) {
      nlohmann::json result = {{"path", where}, {"bytes", bytes}, {"link", link}};
      std::cout << result.dump(2) << "\n";
    } else {
      std::cout << "saved " << pixxel_jobs::format_bytes(bytes) << " to " << where << "\n";
    }
    return pixxel_examples::kOk;
  }

 private:
  int print(const pixxel::Job& job) {
    if (args_.json) {
      std::cout << nlohmann::json(job).dump(2) << "\n";
    } else {
      pixxel_jobs::print_job(std::cout, job);
    }
    return pixxel_examples::kOk;
  }

  // Prints a job that has ended; a failed one gives kJobFailed.
  int finish(const pixxel::Job& job) {
    print(job);
    if (!pixxel_jobs::is_failed_status(job.status)) return pixxel_examples::kOk;
    std::cerr << kProgram << ": job " << pixxel_jobs::printable(job.id) << " ended with status "
              << pixxel_jobs::printable(job.status) << "\n";
    return pixxel_examples::kJobFailed;
  }

  milliseconds poll_interval() const { return to_milliseconds(args_.poll_interval); }

  // Now plus --wait-timeout; none when it was not given.
  std::optional<Clock::time_point> wait_deadline() const {
    if (args_.wait_timeout <= 0) return std::nullopt;
    return Clock::now() + to_milliseconds(args_.wait_timeout);
  }

  pixxel::Job wait_for(const std::string& job_id, const pixxel::Job* known,
                       std::optional<Clock::time_point> deadline) {
    pixxel_jobs::JobProgress progress(line_);
    if (known != nullptr) progress.update(*known);
    pixxel::WaitOptions wait;
    wait.poll_interval = poll_interval();
    wait.max_poll_interval = std::max(wait.poll_interval, kMaxPollInterval);
    if (deadline) {
      // 0 would mean "no limit".
      wait.timeout = std::max(milliseconds(1),
                              std::chrono::duration_cast<milliseconds>(*deadline - Clock::now()));
    }
    wait.on_update = [&](const pixxel::Job& job) { progress.update(job); };
    // The SDK rides out an outage; say so, or a wait with no timeout would look hung.
    wait.on_poll_error = [&](const pixxel::Error& e) {
      line_.message(std::string(kProgram) + ": " + pixxel_jobs::printable(e.what()) +
                    "; still waiting");
    };
    pixxel::Job job = client_->wait_for_job(args_.workflow, job_id, wait);
    line_.finish();
    return job;
  }

  std::string output_path() const {
    if (!args_.output.empty()) return args_.output;
    return file_name_part(args_.job) +
           (args_.task.empty() ? "" : "-" + file_name_part(args_.task)) + ".zip";
  }

  // --task takes a task's id or its name.
  static std::string resolve_task(const pixxel::Job& job, const std::string& task) {
    for (const auto& t : job.tasks) {
      if (t.id == task) return t.id;
    }
    for (const auto& t : job.tasks) {
      if (t.name == task) return t.id;
    }
    return task;  // unknown here: the server says what it makes of it
  }

  // kJobFailed, after printing the job, when the job (or the task) whose archive is wanted
  // ended without success: its archive will never be ready.
  std::optional<int> check_failed(const pixxel::Job& job, const std::string& task_id) {
    if (task_id.empty()) {
      if (!pixxel_jobs::is_failed_status(job.status)) return std::nullopt;
      return finish(job);
    }
    for (const auto& task : job.tasks) {
      if (task.id != task_id || !pixxel_jobs::is_failed_status(task.status)) continue;
      print(job);
      std::cerr << kProgram << ": task " << pixxel_jobs::printable(task.name) << " ("
                << pixxel_jobs::printable(task.id) << ") ended with status "
                << pixxel_jobs::printable(task.status) << "\n";
      return pixxel_examples::kJobFailed;
    }
    return std::nullopt;
  }

  pixxel::DownloadLink ask_for_link(const std::string& task_id) {
    return task_id.empty() ? client_->download_job(args_.workflow, args_.job)
                           : client_->download_task(args_.workflow, args_.job, task_id);
  }

  // Asks for the link again until the archive is ready, up to `deadline`.
  pixxel::DownloadLink wait_for_archive(pixxel::DownloadLink link, const std::string& task_id,
                                        Clock::time_point deadline) {
    milliseconds pause = poll_interval();
    bool announced = false;
    while (!iequals(link.status, "ready")) {
      const std::string status = pixxel_jobs::printable(link.status);
      if (pixxel_jobs::is_failed_status(link.status)) {
        throw pixxel::Error("the archive cannot be made (status \"" + status + "\")");
      }
      if (!announced) {
        line_.message(std::string(kProgram) + ": the archive is not ready yet (status \"" + status +
                      "\"); waiting for it");
        announced = true;
      }
      if (Clock::now() + pause > deadline) {
        throw pixxel::TimeoutError("the archive was still not ready (status \"" + status +
                                   "\"); try again later");
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause + pause / 2, std::max(poll_interval(), kMaxPollInterval));
      link = ask_for_link(task_id);
    }
    return link;
  }

  const Arguments& args_;
  StatusLine& line_;
  std::optional<pixxel::PixxelClient> client_;
};

void add_wait_options(CLI::App& command, Arguments& args, const std::string& timeout_names,
                      const std::string& timeout_help) {
  command
      .add_option("--poll-interval", args.poll_interval,
                  "Seconds between polls at first; the pause grows up to 30 s")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command.add_option(timeout_names, args.wait_timeout, timeout_help)->check(CLI::NonNegativeNumber);
}

}  // namespace

int main(int argc, char** argv) {
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
      "10 network error, 11 timeout, 12 bad answer, 13 job failed, 14 over --max-cost.");

  Arguments args;
  app.add_option("--api-key", args.api_key, "API key (default: $PIXXEL_API_KEY)");
  app.add_option("--base-url", args.base_url,
                 "API base URL (default: $PIXXEL_BASE_URL, else https://api.pixxel.space)");
  app.add_flag("--json", args.json, "Print results as the API's JSON");
  const CLI::Option* request_timeout =
      app.add_option("--timeout,--request-timeout", args.request_timeout,
                     "Seconds each request may take; 0: no limit (default: 60). After `wait`, "
                     "--timeout is the wait's")
          ->check(CLI::NonNegativeNumber);
  const CLI::Option* retries =
      app.add_option("--retries", args.retries, "Retries of a failed request (default: 2)")
          ->check(CLI::Range(0, 100));
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
          ->check(CLI::NonNegativeNumber);
  create->add_flag("--wait", args.wait, "Wait for the job to end, showing its progress");
  add_wait_options(*create, args, "--wait-timeout", "With --wait, give up after SECONDS");

  CLI::App* get = jobs->add_subcommand("get", "Show a job and its tasks");
  get->add_option("workflow", args.workflow, "Workflow id")->required();
  get->add_option("job", args.job, "Job id")->required();

  CLI::App* list = jobs->add_subcommand("list", "List a workflow's jobs");
  list->add_option("workflow", args.workflow, "Workflow id")->required();
  list->add_option("--status", args.query.status, "Only jobs in this status");
  list->add_option("--id", args.query.id, "Only the job with this id");
  list->add_option("--created-by", args.query.created_by, "Only jobs created by this user id");
  list->add_option("--created-on", args.query.created_on,
                   "Only jobs created on this date (YYYY-MM-DD)");

  CLI::App* wait = jobs->add_subcommand("wait", "Wait for a job to end, showing its progress");
  wait->add_option("workflow", args.workflow, "Workflow id")->required();
  wait->add_option("job", args.job, "Job id")->required();
  add_wait_options(*wait, args, "--timeout,--wait-timeout",
                   "Give up after SECONDS (default: never)");

  CLI::App* download = jobs->add_subcommand("download", "Download a job's or a task's files");
  download->add_option("workflow", args.workflow, "Workflow id")->required();
  download->add_option("job", args.job, "Job id")->required();
  download->add_option("--task", args.task, "Only this task's files (its id or name)");
  download->add_option("-o,--output", args.output, "File to write (default: JOB[-TASK].zip)");
  download->add_flag("-f,--force", args.force, "Replace the file if it exists");
  download->add_flag("--wait", args.wait, "Wait for the job to end first, showing its progress");
  add_wait_options(*download, args, "--wait-timeout",
                   "Give up waiting after SECONDS (default: 300; with --wait, no limit for the "
                   "job, then 300 for the archive)");

  CLI::App* projects = app.add_subcommand("projects", "List and show projects");
  projects->require_subcommand(1);
  CLI::App* projects_list =
      projects->add_subcommand("list", "List your projects, a page at a time");
  projects_list->add_option("--page", args.projects_query.page_num, "Which page, from 1")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max() / 2));
  projects_list->add_option("--page-size", args.projects_query.page_size, "Projects per page")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
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
  workflows_list->add_option("--created-on", wq.created_on,
                             "Only workflows created on this date (YYYY-MM-DD)");
  workflows_list->add_option("--updated-at", wq.updated_at,
                             "Only workflows last updated on this date (YYYY-MM-DD)");
  workflows_list->add_option("--offset", wq.offset, "Matching workflows to skip")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{0}, std::numeric_limits<std::int64_t>::max() / 2));
  workflows_list->add_option("--limit", wq.limit, "Workflows per page")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  workflows_list->add_flag("--all", args.all, "Every page, from --offset on");
  CLI::App* workflows_get =
      workflows->add_subcommand("get", "Show a workflow, its cost estimate and its validity");
  workflows_get->add_option("workflow", args.workflow, "Workflow id")->required();
  workflows_get->add_option("--project", args.project, "Its project's id")->required();
  CLI::App* workflows_estimate =
      workflows->add_subcommand("estimate", "What a job of the workflow is expected to cost");
  workflows_estimate->add_option("workflow", args.workflow, "Workflow id")->required();

  CLI::App* ping = app.add_subcommand("ping", "Check that the server answers (needs no key)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version "fail" with exit code 0; every real parse error is a usage error.
    return app.exit(e) == 0 ? pixxel_examples::kOk : pixxel_examples::kUsage;
  }

  StatusLine line(isatty(STDERR_FILENO) == 1);
  try {
    Cli cli(args, line);
    cli.connect(*request_timeout, *retries, /*keyless=*/ping->parsed());
    if (create->parsed()) return cli.create(max_cost->count() > 0);
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
    return pixxel_examples::report_current_exception(kProgram);
  }
}
