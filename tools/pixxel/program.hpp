// The pixxel program: the global options every command takes, and how a command's callback
// runs (with a client, or without one) and reports its end. main.cpp makes one Program, hands
// it to each setup_<noun>_commands (commands.hpp), and runs it.
#ifndef PIXXEL_CLI_PROGRAM_HPP_
#define PIXXEL_CLI_PROGRAM_HPP_

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "describe_error.hpp"

namespace pixxel_cli {

constexpr const char* kProgram = "pixxel";

class Session;
class StatusLine;

// The options every command takes, and where the key and the server came from.
struct GlobalOptions {
  std::string api_key;
  std::string base_url;
  bool json = false;
  bool verbose = false;
  bool allow_insecure_http = false;
  double request_timeout = 0;  // seconds; used only when given
  int retries = 0;             // used only when given
  std::optional<std::string> profile;
  // Set once the profile is applied: printed commands choose the same again, errors name them.
  std::string profile_flag;    // --profile NAME, as given on the command line
  bool api_key_flag = false;   // --api-key was on the command line
  bool base_url_flag = false;  // --base-url was on the command line
  std::string key_profile;     // `profile "NAME" in FILE` when a profile gave the key
  std::string url_profile;     // the same for the base URL
};

// What a command asks of the client it talks through.
struct ClientNeeds {
  // Sent without a key (ping): a missing key is no error.
  bool keyless = false;
  // Keep the API's answers even without --json, for a command that reads one that did not
  // decode (jobs create).
  bool record_answers = false;
  // Keep every answer rather than the last (workflows list --all prints every page).
  bool keep_every_answer = false;
};

// Where the key and the server came from, for error messages that name them.
ErrorContext error_context(const GlobalOptions& globals);

// A command line CLI11 could not parse: its message, and kUsage (as JSON on stderr when the
// command line asks for --json); --help and --version print their text and give kOk.
int report_parse_error(const CLI::App& app, const CLI::ParseError& error, int argc,
                       const char* const* argv);
// A usage error the CLI found itself (an unknown command): `message` as text or JSON, kUsage.
int report_usage_error(const std::string& message, int argc, const char* const* argv);

// Not thread-safe: one per process, used from main's thread.
class Program {
 public:
  // Gives `app` the global options, --version, --help-all and the footer. Make it before any
  // command, so that the commands inherit fallthrough() (global options may follow them).
  explicit Program(CLI::App& app);
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  // Parses the command line; the chosen command's callback runs (through one of the run_*
  // below) before this returns its exit code.
  int run(int argc, char** argv);

  // A command's callback calls one of the next three.
  //
  // A command that needs neither a client nor Ctrl-C handling (help, version, completion): it
  // ends with `exit_code`.
  void finish_with(int exit_code) { exit_code_ = exit_code; }
  // A command that needs no client (profiles): Ctrl-C cancels it, an exception it throws is
  // reported as errors are.
  void run_without_client(const std::function<int()>& command);
  // A command that talks to the API: the profile is applied, the client made as `needs` says,
  // then `command` runs; what it throws is reported with the hints the session holds.
  void run_with_client(const ClientNeeds& needs, const std::function<int(Session&)>& command);

  // run()'s code, once standard output is out: a full disk or a closed pipe fails the command.
  int finish_output(int code, StdoutBuffer& out) const;

  // The command line's words after the program's name, for `help` and usage errors.
  int argc() const { return argc_; }
  char** argv() const { return argv_; }

 private:
  // What the run printed that must not vanish with a standard output that could not be written.
  struct OutputNotes {
    bool json = false;
    std::string job_id;              // the job a create made
    std::vector<std::string> lines;  // what to say about it
  };

  int guarded(const std::function<int(StatusLine&, pixxel::CancellationToken,
                                      std::optional<Session>&)>& command);

  CLI::App& app_;
  GlobalOptions globals_;
  const CLI::Option* request_timeout_ = nullptr;
  const CLI::Option* retries_ = nullptr;
  int exit_code_ = kUsage;  // no command ran
  OutputNotes notes_;
  int argc_ = 0;
  char** argv_ = nullptr;
};

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_PROGRAM_HPP_
