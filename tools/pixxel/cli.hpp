// The pixxel CLI's commands: what each does once its arguments are parsed (main.cpp builds the
// command line). Shared by the files that define them: cli.cpp (the client, printing and
// waiting), jobs_commands.cpp and catalog_commands.cpp.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "command_line.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "pixxel/pixxel.hpp"
#include "recording_transport.hpp"
#include "text.hpp"

namespace pixxel_cli {

using pixxel::internal::iequals;
using pixxel_jobs::StatusLine;
using std::chrono::milliseconds;

constexpr const char* kProgram = "pixxel";
constexpr milliseconds kMaxPollInterval{30000};
constexpr std::chrono::seconds kDefaultArchiveWait{300};

using Clock = std::chrono::steady_clock;

// The statuses Pixxel's docs name (as examples: they give no full list, so none is refused).
constexpr const char* kDocumentedStatuses = "running, completed, failed";

struct Arguments {
  // Global options.
  std::string api_key;
  std::string base_url;
  bool json = false;
  bool verbose = false;
  bool allow_insecure_http = false;
  double request_timeout = 0;  // seconds; used only when given
  int retries = 0;             // used only when given
  // Where the key and the server came from (main.cpp sets these once the profile is applied):
  // printed commands choose the same again, errors name them.
  std::string profile_flag;    // --profile NAME, as given on the command line
  bool api_key_flag = false;   // --api-key was on the command line
  bool base_url_flag = false;  // --base-url was on the command line
  std::string key_profile;     // `profile "NAME" in FILE` when a profile gave the key
  std::string url_profile;     // the same for the base URL
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

inline milliseconds to_milliseconds(double seconds) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(seconds));
}

// A file name made of an id: no directories, no control characters.
inline std::string file_name_part(std::string_view id) {
  std::string name = pixxel_jobs::printable(id);
  std::replace(name.begin(), name.end(), '/', '_');
  std::replace(name.begin(), name.end(), '?', '_');
  return name;
}

// Where `jobs download` writes: a file, or stdout (`-o -`, through a temporary file copied out
// once complete).
struct DownloadTarget {
  std::string path;  // the file; empty for stdout
  bool to_stdout = false;
};

// A create whose outcome is unknown looks for the jobs created from this long before its
// request was sent, for a server clock behind this machine's.
constexpr std::chrono::minutes kClockSkew{1};
// ... and from this long before now when the SDK could not say when it was sent.
constexpr std::chrono::minutes kNoSentAt{5};

// True for what the retry rules retry for a GET: 408, 429, 5xx, no answer, a timeout; never
// for what may have acted on the server (the SDK's outcome_unknown()), which is not made again.
inline bool is_transient(const pixxel::Error& e) {
  if (e.outcome_unknown()) return false;
  if (const auto* api = dynamic_cast<const pixxel::ApiError*>(&e)) {
    const int status = api->status_code();
    return status == 408 || status == 429 || status >= 500;
  }
  return dynamic_cast<const pixxel::TransportError*>(&e) != nullptr;
}

// Words quoted for a POSIX shell where needed, so that a printed command can be pasted back.
std::string shell_quote(std::string_view word);

// True for a date in the form Pixxel's list filters take (ISO 8601: YYYY-MM-DD).
bool is_iso_date(std::string_view text);

// Where the key and the server came from, for error messages that name them.
pixxel_examples::ErrorContext error_context(const Arguments& args);

// A command line CLI11 could not parse: its message, and kUsage (as JSON on stderr when the
// command line asks for --json); --help and --version print their text and give kOk.
int report_parse_error(const CLI::App& app, const CLI::ParseError& error, int argc,
                       const char* const* argv);
// A usage error the CLI found itself (an unknown command): `message` as text or JSON, kUsage.
int report_usage_error(const std::string& message, int argc, const char* const* argv);

class Cli {
 public:
  // `cancel` ends whatever the command is doing (Ctrl-C): its calls and waits throw
  // pixxel::CancelledError.
  Cli(const Arguments& args, StatusLine& line, pixxel::CancellationToken cancel)
      : args_(args), line_(line) {
    call_.cancel = std::move(cancel);
  }

  // `record_answers`: keep the API's answers even without --json, for a command that reads
  // one that did not decode.
  void connect(const CLI::Option& request_timeout, const CLI::Option& retries, bool keyless,
               bool record_answers);

  int create(bool max_cost_given);
  int get();
  int list();
  int wait();
  int download();
  int list_projects();
  int get_project();
  int list_workflows();
  int get_workflow();
  int estimate();
  int ping();

  // What the user can do next after the error the command ended with (a command to resume a
  // wait, to look for a job that may exist), one line each; empty when nothing.
  const std::vector<std::string>& hints() const { return hints_; }

  // The job `create` made, and what to say about it should the output that shows it be lost
  // (a full disk): its id, and the command that shows it.
  const std::string& created_job() const { return created_job_; }
  // The job the answer of a create that failed names (a 2xx that did not decode), if any.
  const std::string& answered_job() const { return answered_job_; }
  // After a create whose outcome is unknown, the jobs that may be the one it made
  // ({id, created_at, status, created_by} each); none when they were not looked for.
  const std::optional<nlohmann::ordered_json>& candidates() const { return candidates_; }
  const std::vector<std::string>& created_notes() const { return created_notes_; }

 private:
  int print(const pixxel::Job& job);

  // After a create that failed although it may have created a job: says so with the command
  // that lists the workflow's jobs of today, names the job a raw 2xx answer holds, and else
  // looks once for the jobs created since the request was sent (find_jobs_created_since),
  // keeping them in candidates() and hints(). A failed look is said, and changes nothing else.
  void look_for_created_job(const pixxel::Error& e);

  // --json: the body of the API's last answer, as received. Call right after the call whose
  // answer it is (a download's file is no answer).
  std::string answer_body() const;
  // Prints answer_body(), and a newline when it has none at its end.
  void print_answer() const;

  // Reports a failure that is no exception (a failed job, a cost above --max-cost) as errors
  // are reported: a line, or JSON under --json. Returns `exit_code`.
  int fail(int exit_code, const char* type, const std::string& message) const;

  // Prints a job that has ended; a failed one gives kJobFailed.
  int finish(const pixxel::Job& job);

  milliseconds poll_interval() const;

  // Now plus --wait-timeout; none when it was not given.
  std::optional<Clock::time_point> wait_deadline() const;

  // Waits for the job to end. A wait that times out or is interrupted leaves `resume` (the
  // command that picks it up again) in hints().
  pixxel::Job wait_for(const std::string& job_id, const pixxel::Job* known,
                       std::optional<Clock::time_point> deadline, const std::string& resume);

  // `pixxel` with the global options that chose this run's key and server, then `words`,
  // quoted.
  std::string command(std::initializer_list<std::string> words) const;

  // `call()`, made again after a failure that the retry rules retry for a GET (429, 5xx,
  // a dropped connection, a timeout) until `deadline`: the patience of a wait, for the calls
  // a waiting command makes besides its polls.
  template <class Call>
  auto patiently(Call call, Clock::time_point deadline);

  // Sleeps for `pause`, or throws pixxel::CancelledError within 50 ms of a cancellation.
  void nap(milliseconds pause) const;

  // Checks -o before anything is asked of the server: the folder exists and is writable, a
  // directory means the default name inside it, `-` means stdout, an existing file needs
  // --force. Throws InvalidArgumentError naming what is wrong.
  DownloadTarget download_target() const;
  std::string default_file_name() const;

  // --task takes a task's id or its name.
  static std::string resolve_task(const pixxel::Job& job, const std::string& task);

  // kJobFailed, after printing the job, when the job (or the task) whose archive is wanted
  // ended without success: its archive will never be ready.
  std::optional<int> check_failed(const pixxel::Job& job, const std::string& task_id);

  pixxel::DownloadLink ask_for_link(const std::string& task_id);

  // Asks for the link again until the archive is ready, up to `deadline`.
  pixxel::DownloadLink wait_for_archive(pixxel::DownloadLink link, const std::string& task_id,
                                        Clock::time_point deadline);

  const Arguments& args_;
  StatusLine& line_;
  pixxel::CallOptions call_;
  std::vector<std::string> hints_;
  std::string created_job_;
  std::string answered_job_;
  std::optional<nlohmann::ordered_json> candidates_;
  std::vector<std::string> created_notes_;
  std::optional<pixxel::PixxelClient> client_;
  // The API's answers, under --json.
  std::shared_ptr<RecordingTransport> recorder_;
};

template <class Call>
auto Cli::patiently(Call call, Clock::time_point deadline) {
  milliseconds pause = poll_interval();
  for (;;) {
    try {
      return call();
    } catch (const pixxel::Error& e) {
      if (!is_transient(e) || Clock::now() + pause > deadline) throw;
      line_.message(std::string(kProgram) + ": " + pixxel_jobs::printable(e.what()) +
                    "; trying again");
    }
    nap(pause);
    pause = std::min(pause * 2, kMaxPollInterval);
  }
}

}  // namespace pixxel_cli
