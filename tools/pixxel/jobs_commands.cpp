// pixxel jobs create|get|list|wait|download.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "download_target.hpp"
#include "session.hpp"

namespace pixxel_cli {

namespace {

// Without --wait, `jobs download` waits this long for the archive of an ended job.
constexpr std::chrono::seconds kDefaultArchiveWait{300};
// A create whose outcome is unknown looks for the jobs created from this long before its
// request was sent, for a server clock behind this machine's.
constexpr std::chrono::minutes kClockSkew{1};
// ... and from this long before now when the SDK could not say when it was sent.
constexpr std::chrono::minutes kNoSentAt{5};

// A JSON string's text from `at` (its opening quote) on, its end past the closing quote; none
// when the body ends first.
std::optional<std::string> json_string(std::string_view body, std::size_t& at) {
  std::string text;
  for (std::size_t i = at + 1; i < body.size(); ++i) {
    if (body[i] == '"') {
      at = i + 1;
      return text;
    }
    if (body[i] == '\\' && i + 1 < body.size()) ++i;  // an escaped character, kept as it is
    text += body[i];
  }
  return std::nullopt;
}

// The top-level "id" string of an answer that did not decode, read leniently: the body may be
// cut short or break the model elsewhere, so when it does not parse it is scanned.
std::string id_in_answer(std::string_view body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_discarded()) {
    if (!parsed.is_object()) return {};
    const auto id = parsed.find("id");
    return id != parsed.end() && id->is_string() ? id->get<std::string>() : std::string();
  }
  const auto skip_space = [&](std::size_t i) {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i])) != 0) ++i;
    return i;
  };
  int depth = 0;
  for (std::size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (c == '"') {
      const auto text = json_string(body, i);
      if (!text) return {};
      std::size_t next = skip_space(i);
      const bool a_key = next < body.size() && body[next] == ':';
      if (depth != 1 || !a_key || *text != "id") continue;
      next = skip_space(next + 1);
      if (next >= body.size() || body[next] != '"') return {};
      return json_string(body, next).value_or("");
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ++i;
  }
  return {};
}

// ----------------------------------------------------------------------------- jobs create

struct CreateOptions {
  std::string workflow;
  std::string project;
  std::int64_t max_cost = 0;
  const CLI::Option* max_cost_given = nullptr;
  bool wait = false;
  WaitArgs wait_args;
};

class CreateCommand {
 public:
  CreateCommand(Session& session, const CreateOptions& args) : session_(session), args_(args) {}
  int run();

 private:
  // After a create that failed although it may have created a job: says so with the command
  // that lists the workflow's jobs of today, names the job a raw 2xx answer holds, and else
  // looks once for the jobs created since the request was sent (find_jobs_created_since),
  // keeping them in the outcome's candidates and hints. A failed look is said, and changes
  // nothing else.
  void look_for_created_job(const pixxel::Error& e);

  Session& session_;
  const CreateOptions& args_;
};

int CreateCommand::run() {
  if (args_.max_cost_given->count() > 0) {
    const std::int64_t cost =
        session_.client().estimate_cost(args_.workflow, session_.call()).estimated_cost;
    const std::string figures = std::to_string(cost) + " tokens";
    const std::string limit = "--max-cost " + std::to_string(args_.max_cost);
    if (cost > args_.max_cost) {
      return session_.fail(kOverBudget, "over_budget",
                           "the estimated cost of workflow " + printable(args_.workflow) + " is " +
                               figures + ", above " + limit + "; no job was created");
    }
    session_.say("estimated cost " + figures + ", within " + limit);
  }
  pixxel::Job job;
  try {
    job = session_.client().create_job(args_.workflow, args_.project, session_.call());
  } catch (const pixxel::Error& e) {
    if (e.outcome_unknown()) look_for_created_job(e);
    throw;
  }
  Outcome& outcome = session_.outcome();
  outcome.created_job = job.id;
  outcome.created_notes.push_back("job " + printable(job.id) + " was created; to see it: " +
                                  session_.command({"jobs", "get", args_.workflow, job.id}));
  if (!args_.wait) return session_.print(job);
  session_.say("created job " + printable(job.id) + ", waiting for it");
  return session_.finish(session_.wait_for(
      args_.workflow, job.id, &job, args_.wait_args.poll(), args_.wait_args.deadline(),
      session_.command({"jobs", "wait", args_.workflow, job.id})));
}

void CreateCommand::look_for_created_job(const pixxel::Error& e) {
  using std::chrono::system_clock;
  const auto utc = [](system_clock::time_point when, const char* format) {
    const std::time_t t = system_clock::to_time_t(when);
    std::tm parts{};
    gmtime_r(&t, &parts);
    char text[32];
    std::strftime(text, sizeof text, format, &parts);
    return std::string(text);
  };
  Outcome& outcome = session_.outcome();
  const std::string look = session_.command(
      {"jobs", "list", args_.workflow, "--created-on", utc(system_clock::now(), "%Y-%m-%d")});
  std::string why = "the request reached the server, but what became of it is unknown";
  if (dynamic_cast<const pixxel::CancelledError*>(&e) != nullptr) {
    why = "interrupted after the request was sent";
  } else if (dynamic_cast<const pixxel::TransportError*>(&e) != nullptr) {  // a timeout too
    why = "the request was sent but no answer came back";
  } else if (const auto* api = dynamic_cast<const pixxel::ApiError*>(&e)) {
    why = api->status_code() >= 500
              ? "the server failed (" + std::to_string(api->status_code()) +
                    ") after the request reached it"
              : why + " (the last answer: " + std::to_string(api->status_code()) + ")";
  } else if (const auto* decode = dynamic_cast<const pixxel::DecodeError*>(&e)) {
    const int status = decode->status_code();
    why = "the server answered" + (status != 0 ? " " + std::to_string(status) : std::string()) +
          " with what is not a job";
    // The raw answer may still name the job.
    const std::optional<std::string> body = session_.last_answer();
    const std::string id = body ? id_in_answer(*body) : std::string();
    if (!id.empty()) {
      outcome.answered_job = id;
      outcome.hints.push_back("the answer names job " + printable(id) +
                              ", which was probably created; to see it: " +
                              session_.command({"jobs", "get", args_.workflow, id}));
    }
  }
  outcome.hints.push_back(why +
                          ": a job may have been created. Look before creating another: " + look);
  // Known already; or the user asked to stop, and is told how to look.
  if (!outcome.answered_job.empty() || dynamic_cast<const pixxel::CancelledError*>(&e) != nullptr) {
    return;
  }

  // One look, never a second create. A server's clock may be behind this one: its created_at
  // is read from a minute before the request went out.
  const system_clock::time_point sent = e.sent_at().value_or(system_clock::now() - kNoSentAt);
  const system_clock::time_point since = sent - kClockSkew;
  const std::string from = utc(since, "%Y-%m-%d %H:%M:%S UTC") +
                           (e.sent_at() ? " (a minute before the request was sent, for clock skew)"
                                        : " (when the request was sent is not known)");
  std::vector<pixxel::Job> jobs;
  try {
    jobs = session_.client().find_jobs_created_since(args_.workflow, since, session_.call());
  } catch (const pixxel::Error& lookup) {
    outcome.hints.push_back("looking for the jobs of workflow " + printable(args_.workflow) +
                            " created since " + from + " failed (" + printable(lookup.what()) +
                            "); look with the command above");
    return;
  }
  outcome.candidates = nlohmann::ordered_json::array();
  if (jobs.empty()) {
    outcome.hints.push_back("no job of workflow " + printable(args_.workflow) +
                            " was created since " + from +
                            " as far as the server lists them now; one may still appear, so look "
                            "again before creating another");
    return;
  }
  outcome.hints.push_back(
      "jobs of workflow " + printable(args_.workflow) + " created since " + from +
      ", newest first; yours may be among them (compare created_by, the time):");
  for (const pixxel::Job& candidate : jobs) {
    outcome.candidates->push_back({{"id", candidate.id},
                                   {"created_at", candidate.created_at},
                                   {"status", candidate.status},
                                   {"created_by", candidate.created_by}});
    outcome.hints.push_back(
        "  " + printable(candidate.id) + "  created " + printable(candidate.created_at) + "  " +
        printable(candidate.status) +
        "  to see it: " + session_.command({"jobs", "get", args_.workflow, candidate.id}));
  }
}

// ------------------------------------------------------------------- jobs get, list, wait

struct JobOptions {
  std::string workflow;
  std::string job;
  WaitArgs wait_args;  // jobs wait
};

struct ListOptions {
  std::string workflow;
  pixxel::ListJobsQuery query;
};

int get_job(Session& session, const JobOptions& args) {
  return session.print(session.client().get_job(args.workflow, args.job, session.call()));
}

int list_jobs(Session& session, const ListOptions& args) {
  const std::vector<pixxel::Job> jobs =
      session.client().list_jobs(args.workflow, args.query, session.call());
  if (session.json()) {
    session.print_answer();
  } else if (jobs.empty()) {
    std::string text = "no jobs found";
    if (!args.query.status.empty()) {
      // Pixxel documents no list of statuses, so any is sent; say which ones it does show.
      text += " with status \"" + printable(args.query.status) +
              "\" (Pixxel's documented statuses include " + kDocumentedStatuses + ")";
    }
    session.say(text);
  } else {
    print_job_list(std::cout, jobs);
  }
  return kOk;
}

int wait_job(Session& session, const JobOptions& args) {
  return session.finish(session.wait_for(
      args.workflow, args.job, nullptr, args.wait_args.poll(), args.wait_args.deadline(),
      session.command({"jobs", "wait", args.workflow, args.job})));
}

// --------------------------------------------------------------------------- jobs download

struct DownloadOptions {
  std::string workflow;
  std::string job;
  std::string task;
  std::string output;
  bool force = false;
  bool wait = false;
  WaitArgs wait_args;
};

class DownloadCommand {
 public:
  DownloadCommand(Session& session, const DownloadOptions& args) : session_(session), args_(args) {}
  int run();

 private:
  // JOB[-TASK].zip
  std::string default_file_name() const;

  // --task takes a task's id or its name.
  static std::string resolve_task(const pixxel::Job& job, const std::string& task);

  // kJobFailed, after printing the job, when the job (or the task) whose archive is wanted
  // ended without success: its archive will never be ready.
  std::optional<int> check_failed(const pixxel::Job& job, const std::string& task_id);

  pixxel::DownloadLink ask_for_link(const std::string& task_id);

  // Asks for the link again until the archive is ready, up to `deadline`, riding out transient
  // failures as a wait does.
  pixxel::DownloadLink wait_for_archive(pixxel::DownloadLink link, const std::string& task_id,
                                        Clock::time_point deadline);

  Session& session_;
  const DownloadOptions& args_;
};

int DownloadCommand::run() {
  // Everything about the target is checked before the server is asked for anything.
  const DownloadTarget target =
      choose_download_target(args_.output, args_.force, default_file_name());
  const std::optional<Clock::time_point> deadline = args_.wait_args.deadline();
  const milliseconds poll = args_.wait_args.poll();
  // Without --wait only the archive of an ended job is waited for, and only so long.
  const Clock::time_point archive_deadline = deadline.value_or(Clock::now() + kDefaultArchiveWait);
  std::string resume = session_.command({"jobs", "download", args_.workflow, args_.job, "--wait"});
  if (!args_.task.empty()) resume += " --task " + shell_quote(args_.task);
  if (!args_.output.empty()) resume += " --output " + shell_quote(args_.output);

  pixxel::Job job =
      args_.wait
          ? session_.wait_for(args_.workflow, args_.job, nullptr, poll, deadline, resume)
          : session_.patiently(
                [&] {
                  return session_.client().get_job(args_.workflow, args_.job, session_.call());
                },
                archive_deadline, poll);
  const std::string task_id = args_.task.empty() ? "" : resolve_task(job, args_.task);
  if (auto failed = check_failed(job, task_id)) return *failed;
  if (!pixxel::is_terminal_status(job.status)) {
    session_.outcome().hints.push_back("to wait for it and then download: " + resume);
    return session_.fail(kNotFinished, "not_finished",
                         "job " + printable(job.id) + " has not ended yet (status \"" +
                             printable(job.status) +
                             "\"); its files can be downloaded once it has");
  }

  pixxel::DownloadLink link =
      session_.patiently([&] { return ask_for_link(task_id); }, archive_deadline, poll);
  if (!iequals(link.status, "ready")) {
    link = wait_for_archive(std::move(link), task_id, archive_deadline);
  }

  // Made only now, and removed however the command ends.
  std::optional<TemporaryFolder> stdout_folder;
  std::string path = target.path;
  if (target.to_stdout) {
    stdout_folder.emplace();
    path = (std::filesystem::path(stdout_folder->path()) / default_file_name()).string();
  }
  DownloadProgressView view(session_.line(), target.to_stdout ? "stdout" : path);
  pixxel::SaveOptions save;
  save.overwrite = args_.force || target.to_stdout;
  save.on_progress = [&](const pixxel::DownloadProgress& progress) { view.update(progress); };
  std::uint64_t bytes = 0;
  try {
    bytes = session_.client().save_download(link, path, save, session_.call());
  } catch (const pixxel::InvalidArgumentError& e) {
    // The file was checked to be absent before the download: it appeared since, another
    // download to the same path won the race. The SDK's words name its option, not ours.
    struct stat there {};
    const bool appeared =
        !save.overwrite && ::lstat(path.c_str(), &there) == 0 &&
        std::string_view(e.what()).find("SaveOptions::overwrite") != std::string_view::npos;
    if (!appeared) throw;
    throw pixxel::InvalidArgumentError(
        "\"" + printable(path) +
        "\" appeared while the archive was downloading (another download to the same path?); "
        "pass --force to replace it");
  }
  session_.line().finish();

  if (target.to_stdout) {
    // Copied only once complete, so a broken download never leaves half an archive in a pipe.
    const int error = copy_to_stdout(path);
    // A reader that went away wants no more, as `cat` knows: no message.
    if (error == EPIPE) return kBrokenPipe;
    if (error != 0) {
      return session_.fail(
          kUnexpected, "write_failed",
          "cannot write the archive to standard output: " + std::string(std::strerror(error)));
    }
    return kOk;
  }
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(target.path, error);
  const std::string where = error ? target.path : absolute.string();
  if (session_.json()) {
    // No API answer is the file: the path and size, and the link's answer as received.
    std::cout << "{\"path\": "
              << nlohmann::json(where).dump(-1, ' ', false,
                                            nlohmann::json::error_handler_t::replace)
              << ", \"bytes\": " << bytes << ", \"link\": " << session_.answer_body() << "}\n";
  } else {
    std::cout << "saved " << format_bytes(bytes) << " to " << where << "\n";
  }
  return kOk;
}

std::string DownloadCommand::default_file_name() const {
  return file_name_part(args_.job) + (args_.task.empty() ? "" : "-" + file_name_part(args_.task)) +
         ".zip";
}

std::string DownloadCommand::resolve_task(const pixxel::Job& job, const std::string& task) {
  for (const auto& t : job.tasks) {
    if (t.id == task) return t.id;
  }
  for (const auto& t : job.tasks) {
    if (t.name == task) return t.id;
  }
  return task;  // unknown here: the server says what it makes of it
}

std::optional<int> DownloadCommand::check_failed(const pixxel::Job& job,
                                                 const std::string& task_id) {
  if (task_id.empty()) {
    if (!is_failed_status(job.status)) return std::nullopt;
    return session_.finish(job);
  }
  for (const auto& task : job.tasks) {
    if (task.id != task_id || !is_failed_status(task.status)) continue;
    session_.print(job);
    return session_.fail(kJobFailed, "job_failed",
                         "task " + printable(task.name) + " (" + printable(task.id) +
                             ") ended with status " + printable(task.status));
  }
  return std::nullopt;
}

pixxel::DownloadLink DownloadCommand::ask_for_link(const std::string& task_id) {
  return task_id.empty()
             ? session_.client().download_job(args_.workflow, args_.job, session_.call())
             : session_.client().download_task(args_.workflow, args_.job, task_id, session_.call());
}

pixxel::DownloadLink DownloadCommand::wait_for_archive(pixxel::DownloadLink link,
                                                       const std::string& task_id,
                                                       Clock::time_point deadline) {
  const milliseconds poll = args_.wait_args.poll();
  milliseconds pause = poll;
  bool announced = false;
  while (!iequals(link.status, "ready")) {
    const std::string status = printable(link.status);
    if (is_failed_status(link.status)) {
      throw pixxel::Error("the archive cannot be made (status \"" + status + "\")");
    }
    if (!announced) {
      session_.say("the archive is not ready yet (status \"" + status + "\"); waiting for it");
      announced = true;
    }
    if (Clock::now() + pause > deadline) {
      throw pixxel::TimeoutError("the archive was still not ready (status \"" + status +
                                 "\"); try again later");
    }
    session_.nap(pause);
    pause = std::min(pause + pause / 2, std::max(poll, kMaxPollInterval));
    link = session_.patiently([&] { return ask_for_link(task_id); }, deadline, poll);
  }
  return link;
}

void add_job_arguments(CLI::App& command, JobOptions& args) {
  command.add_option("workflow", args.workflow, "Workflow id")->required();
  command.add_option("job", args.job, "Job id")->required();
}

void setup_create(CLI::App& jobs, Program& program) {
  auto args = std::make_shared<CreateOptions>();
  CLI::App* create = jobs.add_subcommand("create", "Create a job from a workflow");
  create->add_option("workflow", args->workflow, "Workflow id")->required();
  create->add_option("--project", args->project, "Project id")->required();
  args->max_cost_given =
      create
          ->add_option("--max-cost", args->max_cost,
                       "Ask for the workflow's cost estimate first, and create no job when it "
                       "is above N tokens (exit 14)")
          ->check(whole_number(0, std::numeric_limits<std::int64_t>::max()));
  create->add_flag("--wait", args->wait, "Wait for the job to end, showing its progress");
  add_wait_options(*create, args->wait_args, "With --wait, give up after SECONDS");
  create->callback([&program, args] {
    ClientNeeds needs;
    needs.record_answers = true;  // an answer that is not a job may still name the job made
    program.run_with_client(needs,
                            [&](Session& session) { return CreateCommand(session, *args).run(); });
  });
}

void setup_get_list_wait(CLI::App& jobs, Program& program) {
  auto get_args = std::make_shared<JobOptions>();
  CLI::App* get = jobs.add_subcommand("get", "Show a job and its tasks");
  add_job_arguments(*get, *get_args);
  get->callback([&program, get_args] {
    program.run_with_client({}, [&](Session& session) { return get_job(session, *get_args); });
  });

  auto list_args = std::make_shared<ListOptions>();
  pixxel::ListJobsQuery& query = list_args->query;
  CLI::App* list = jobs.add_subcommand("list", "List a workflow's jobs");
  list->add_option("workflow", list_args->workflow, "Workflow id")->required();
  list->add_option("--status", query.status,
                   std::string("Only jobs in this status; Pixxel's docs name ") +
                       kDocumentedStatuses + " (as examples, so any is sent)");
  list->add_option("--id", query.id, "Only the job with this id");
  list->add_option("--created-by", query.created_by, "Only jobs created by this user id");
  list->add_option("--created-on", query.created_on, "Only jobs created on this date (YYYY-MM-DD)")
      ->check(iso_date());
  list->callback([&program, list_args] {
    program.run_with_client({}, [&](Session& session) { return list_jobs(session, *list_args); });
  });

  auto wait_args = std::make_shared<JobOptions>();
  CLI::App* wait = jobs.add_subcommand("wait", "Wait for a job to end, showing its progress");
  add_job_arguments(*wait, *wait_args);
  add_wait_options(*wait, wait_args->wait_args, "Give up after SECONDS (default: never)");
  wait->callback([&program, wait_args] {
    program.run_with_client({}, [&](Session& session) { return wait_job(session, *wait_args); });
  });
}

void setup_download(CLI::App& jobs, Program& program) {
  auto args = std::make_shared<DownloadOptions>();
  CLI::App* download = jobs.add_subcommand("download", "Download a job's or a task's files");
  download->add_option("workflow", args->workflow, "Workflow id")->required();
  download->add_option("job", args->job, "Job id")->required();
  download->add_option("--task", args->task, "Only this task's files (its id or name)");
  download->add_option("-o,--output", args->output,
                       "File or folder to write to, - for stdout (default: JOB[-TASK].zip)");
  download->add_flag("-f,--force", args->force, "Replace the file if it exists");
  download->add_flag("--wait", args->wait, "Wait for the job to end first, showing its progress");
  add_wait_options(*download, args->wait_args,
                   "Give up waiting after SECONDS (default: none for the job with --wait; 300 "
                   "for its archive). Without --wait, a job that has not ended exits 15");
  download->callback([&program, args] {
    program.run_with_client(
        {}, [&](Session& session) { return DownloadCommand(session, *args).run(); });
  });
}

}  // namespace

void setup_jobs_commands(CLI::App& app, Program& program) {
  CLI::App* jobs = app.add_subcommand("jobs", "Create, inspect, wait for and download jobs");
  jobs->require_subcommand(1);
  setup_create(*jobs, program);
  setup_get_list_wait(*jobs, program);
  setup_download(*jobs, program);
}

}  // namespace pixxel_cli
