// One run of a command that talks to the API: its client, and what several commands share
// (printing a job or the API's answer, failing as errors are reported, waiting for a job,
// printing a command to run next). The command files use it; Program makes it.
#ifndef PIXXEL_CLI_SESSION_HPP_
#define PIXXEL_CLI_SESSION_HPP_

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "output.hpp"
#include "pixxel/pixxel.hpp"
#include "program.hpp"
#include "recording_transport.hpp"
#include "text_util.hpp"

namespace pixxel_cli {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kMaxPollInterval{30000};

// The statuses Pixxel's docs name (as examples: they give no full list, so none is refused).
constexpr const char* kDocumentedStatuses = "running, completed, failed";

// --poll-interval and --wait-timeout, for a command that waits.
struct WaitArgs {
  double poll_interval = 2;
  double timeout = 0;  // seconds; 0: the command's default

  milliseconds poll() const { return to_milliseconds(poll_interval); }
  // Now plus --wait-timeout; none when it was not given.
  std::optional<Clock::time_point> deadline() const {
    if (timeout <= 0) return std::nullopt;
    return Clock::now() + to_milliseconds(timeout);
  }
};

// Gives `command` --poll-interval and --wait-timeout (described by `timeout_help`).
void add_wait_options(CLI::App& command, WaitArgs& wait, const std::string& timeout_help);

// True for what the retry rules retry for a GET: 408, 429, 5xx, no answer, a timeout; never
// for what may have acted on the server (the SDK's outcome_unknown()), which is not made again.
bool is_transient(const pixxel::Error& e);

// What a command leaves for Program to report besides its exit code.
struct Outcome {
  // What the user can do next after the error the command ended with (a command to resume a
  // wait, to look for a job that may exist), one line each; empty when nothing.
  std::vector<std::string> hints;
  // The job a create made, and what to say about it should the output that shows it be lost
  // (a full disk): its id, and the command that shows it.
  std::string created_job;
  std::vector<std::string> created_notes;
  // The job the answer of a create that failed names (a 2xx that did not decode), if any.
  std::string answered_job;
  // After a create whose outcome is unknown, the jobs that may be the one it made
  // ({id, created_at, status, created_by} each); none when they were not looked for.
  std::optional<nlohmann::ordered_json> candidates;
};

// Not thread-safe: used from the thread that runs the command.
class Session {
 public:
  // `cancel` ends whatever the command is doing (Ctrl-C): its calls and waits throw
  // pixxel::CancelledError.
  Session(const GlobalOptions& globals, StatusLine& line, pixxel::CancellationToken cancel)
      : globals_(globals), line_(line) {
    call_.cancel = std::move(cancel);
  }

  // Makes the client, as the global options and `needs` say.
  void connect(const CLI::Option& request_timeout, const CLI::Option& retries,
               const ClientNeeds& needs);

  pixxel::PixxelClient& client() { return *client_; }
  // Every call passes these: the cancellation.
  const pixxel::CallOptions& call() const { return call_; }
  StatusLine& line() { return line_; }
  bool json() const { return globals_.json; }

  // Says `text` on stderr, as "pixxel: text".
  void say(const std::string& text) { line_.message(std::string(kProgram) + ": " + text); }

  // The job as text, or under --json the API's answer.
  int print(const pixxel::Job& job);
  // --json: the body of the API's last answer, as received. Call right after the call whose
  // answer it is (a download's file is no answer).
  std::string answer_body() const;
  // Prints answer_body(), and a newline when it has none at its end.
  void print_answer() const;
  // The last answer recorded, if answers are recorded (ClientNeeds::record_answers, --json).
  std::optional<std::string> last_answer() const;
  // Every answer recorded, oldest first (ClientNeeds::keep_every_answer).
  std::vector<std::string> answers() const;

  // Reports a failure that is no exception (a failed job, a cost above --max-cost) as errors
  // are reported: a line, or JSON under --json, with the outcome's hints. Returns `exit_code`.
  int fail(int exit_code, const char* type, const std::string& message) const;
  // Prints a job that has ended; a failed one gives kJobFailed.
  int finish(const pixxel::Job& job);

  // Waits for the job to end. A wait that times out or is interrupted leaves `resume` (the
  // command that picks it up again) in the outcome's hints.
  pixxel::Job wait_for(const std::string& workflow, const std::string& job_id,
                       const pixxel::Job* known, milliseconds poll_interval,
                       std::optional<Clock::time_point> deadline, const std::string& resume);

  // `call()`, made again after a failure that the retry rules retry for a GET (429, 5xx,
  // a dropped connection, a timeout) until `deadline`, pausing `pause` at first: the patience
  // of a wait, for the calls a waiting command makes besides its polls.
  template <class Call>
  auto patiently(Call call, Clock::time_point deadline, milliseconds pause);

  // Sleeps for `pause`, or throws pixxel::CancelledError within 50 ms of a cancellation.
  void nap(milliseconds pause) const;

  // `pixxel` with the global options that chose this run's key and server, then `words`,
  // quoted.
  std::string command(std::initializer_list<std::string> words) const;

  // What the command leaves for Program to report besides its exit code.
  Outcome& outcome() { return outcome_; }
  const Outcome& outcome() const { return outcome_; }

 private:
  const GlobalOptions& globals_;
  StatusLine& line_;
  pixxel::CallOptions call_;
  Outcome outcome_;
  std::optional<pixxel::PixxelClient> client_;
  // The API's answers, under --json.
  std::shared_ptr<RecordingTransport> recorder_;
};

template <class Call>
auto Session::patiently(Call call, Clock::time_point deadline, milliseconds pause) {
  for (;;) {
    try {
      return call();
    } catch (const pixxel::Error& e) {
      if (!is_transient(e) || Clock::now() + pause > deadline) throw;
      say(printable(e.what()) + "; trying again");
    }
    nap(pause);
    pause = std::min(pause * 2, kMaxPollInterval);
  }
}

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_SESSION_HPP_
