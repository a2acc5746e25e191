// pixxel: create, inspect, wait for and download Pixxel jobs from the command line. Commands
// are noun-verb, as gcloud's and aws's are, so that other resources can join `jobs` later.
//
//   pixxel jobs create WORKFLOW --project P [--wait]
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
#include <exception>
#include <filesystem>
#include <iostream>
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

  void connect(const CLI::Option& request_timeout, const CLI::Option& retries) {
    pixxel::ClientOptions options;
    options.api_key = args_.api_key;
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

  int create() {
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
  CLI::App app{"Create, inspect, wait for and download Pixxel jobs.", kProgram};
  app.set_version_flag("--version",
                       std::string(kProgram) + " (pixxel-cpp " + pixxel::version() + ")");
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the command
  app.footer(
      "The API key comes from --api-key or PIXXEL_API_KEY, the server from --base-url or "
      "PIXXEL_BASE_URL.\n"
      "Exit codes: 0 ok, 1 unexpected, 2 usage, 3 configuration, 4 invalid argument, "
      "5 authentication, 6 not found, 7 rate limited, 8 request rejected, 9 server error, "
      "10 network error, 11 timeout, 12 bad answer, 13 job failed.");

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version "fail" with exit code 0; every real parse error is a usage error.
    return app.exit(e) == 0 ? pixxel_examples::kOk : pixxel_examples::kUsage;
  }

  StatusLine line(isatty(STDERR_FILENO) == 1);
  try {
    Cli cli(args, line);
    cli.connect(*request_timeout, *retries);
    if (create->parsed()) return cli.create();
    if (get->parsed()) return cli.get();
    if (list->parsed()) return cli.list();
    if (wait->parsed()) return cli.wait();
    if (download->parsed()) return cli.download();
    return pixxel_examples::kUsage;
  } catch (...) {
    line.finish();
    return pixxel_examples::report_current_exception(kProgram);
  }
}
