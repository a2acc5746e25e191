#include "program.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string_view>

#include "completion.hpp"
#include "output.hpp"
#include "pixxel/pixxel.hpp"
#include "profiles.hpp"
#include "session.hpp"

namespace pixxel_cli {

namespace {

const char* non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0' ? nullptr : value;
}

// Whether the command line asks for --json, read before (or without) CLI11.
bool wants_json(int argc, const char* const* argv) {
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

}  // namespace

ErrorContext error_context(const GlobalOptions& globals) {
  ErrorContext context;
  context.json = globals.json;
  context.key_given = !globals.api_key.empty() || non_empty_env("PIXXEL_API_KEY") != nullptr;
  if (globals.api_key_flag) {
    context.key_source = "--api-key";
  } else if (!globals.key_profile.empty()) {
    context.key_source = globals.key_profile;
  } else {
    context.key_source = "PIXXEL_API_KEY";
  }
  if (globals.base_url_flag) {
    context.base_url_source = "--base-url";
  } else if (!globals.url_profile.empty()) {
    context.base_url_source = globals.url_profile;
  } else if (non_empty_env("PIXXEL_BASE_URL") != nullptr) {
    context.base_url_source = "PIXXEL_BASE_URL";
  }
  context.max_retry_after = pixxel::RetryPolicy{}.max_retry_after;
  return context;
}

int report_usage_error(const std::string& message, int argc, const char* const* argv) {
  ErrorReport report;
  report.exit_code = kUsage;
  report.type = "usage";
  report.message = message;
  if (!wants_json(argc, argv)) report.hints.push_back("run with --help for more information");
  return print_error(kProgram, report, wants_json(argc, argv));
}

int report_parse_error(const CLI::App& app, const CLI::ParseError& error, int argc,
                       const char* const* argv) {
  // --help and --version "fail" with exit code 0.
  if (error.get_exit_code() == 0) {
    app.exit(error);
    return kOk;
  }
  if (!wants_json(argc, argv)) {
    app.exit(error);
    return kUsage;
  }
  return report_usage_error(
      std::string("usage error: ") + error.what() + "; see " + kProgram + " --help", argc, argv);
}

Program::Program(CLI::App& app) : app_(app) {
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

  GlobalOptions& g = globals_;
  app.add_option("--api-key", g.api_key, "API key (default: $PIXXEL_API_KEY)");
  app.add_option("--base-url", g.base_url,
                 "API base URL (default: $PIXXEL_BASE_URL, else https://api.pixxel.space)");
  app.add_flag("--json", g.json,
               "Print the API's answer as received (see README: jobs wait and create --wait "
               "print the last poll's; workflows list --all an array of the pages; download "
               "{path, bytes, link}); errors as one line of JSON on stderr");
  app.add_flag("--allow-insecure-http", g.allow_insecure_http,
               "Allow a plain http:// --base-url to another machine (the key travels unencrypted)");
  request_timeout_ =
      app.add_option("--timeout,--request-timeout", g.request_timeout,
                     "Seconds each request may take; 0: no limit (default: 60). Waits have "
                     "--wait-timeout")
          ->check(seconds(/*allow_zero=*/true));
  retries_ = app.add_option("--retries", g.retries, "Retries of a failed request (default: 2)")
                 ->check(whole_number(0, 100));
  app.add_flag("-v,--verbose", g.verbose, "Log every request to stderr");
  // Configuration and discoverability (profiles.hpp, completion.hpp).
  app.add_option("--profile", g.profile,
                 "Settings from this profile of the config file (default: $PIXXEL_PROFILE, "
                 "else the file's default_profile); see `pixxel profiles`");
  app.add_flag_callback(
      "--help-all",
      [&app] {
        std::cout << help_all_text(app);
        throw CLI::Success();
      },
      "Print the help of every command");
}

int Program::run(int argc, char** argv) {
  argc_ = argc;
  argv_ = argv;
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      const std::vector<std::string> words(argv + 1, argv + argc);
      if (auto unknown = unknown_command(app_, words)) {
        return report_usage_error(*unknown, argc, argv);
      }
    }
    return report_parse_error(app_, e, argc, argv);
  }
  notes_.json = globals_.json;
  return exit_code_;
}

int Program::guarded(const std::function<int(StatusLine&, pixxel::CancellationToken,
                                             std::optional<Session>&)>& command) {
  // Before the client starts any thread: Ctrl-C cancels what runs rather than killing it.
  Interrupts& interrupts = Interrupts::watch();
  StatusLine line(isatty(STDERR_FILENO) == 1);
  std::optional<Session> running;
  try {
    return command(line, interrupts.token(), running);
  } catch (...) {
    line.finish();
    ErrorReport report = describe_current_exception(error_context(globals_));
    if (interrupts.signal() != 0) {
      report = {};
      report.exit_code = 128 + interrupts.signal();
      report.type = "interrupted";
      report.message = "interrupted";
    }
    if (running) {
      report.hints = running->outcome().hints;
      report.job_id = running->outcome().answered_job;
      report.candidates = running->outcome().candidates;
    }
    return print_error(kProgram, report, globals_.json);
  }
}

void Program::run_without_client(const std::function<int()>& command) {
  exit_code_ = guarded([&](StatusLine&, const pixxel::CancellationToken&, std::optional<Session>&) {
    return command();
  });
}

void Program::run_with_client(const ClientNeeds& needs,
                              const std::function<int(Session&)>& command) {
  exit_code_ = guarded(
      [&](StatusLine& line, pixxel::CancellationToken cancel, std::optional<Session>& running) {
        globals_.profile_flag = globals_.profile.value_or("");
        // An empty value means "not set" to the client, which then looks further.
        globals_.api_key_flag = !globals_.api_key.empty();
        globals_.base_url_flag = !globals_.base_url.empty();
        const AppliedProfile applied = apply_profile(
            globals_.profile,
            {app_.get_option_no_throw("--api-key"), app_.get_option_no_throw("--base-url"),
             app_.get_option_no_throw("--timeout"), app_.get_option_no_throw("--retries")});
        if (applied.api_key) globals_.key_profile = applied.where();
        if (applied.base_url) globals_.url_profile = applied.where();
        Session& session = running.emplace(globals_, line, std::move(cancel));
        session.connect(*request_timeout_, *retries_, needs);
        const int code = command(session);
        notes_.job_id = session.outcome().created_job;
        notes_.lines = session.outcome().created_notes;
        return code;
      });
}

int Program::finish_output(int code, StdoutBuffer& out) const {
  int error = out.error();
  // Nothing of pixxel's writes through stdio; a library might.
  errno = 0;
  if (error == 0 && std::fflush(stdout) != 0) error = errno != 0 ? errno : EIO;
  if (error == 0) return code;
  const bool said_nothing = code == kOk;
  if (said_nothing) code = error == EPIPE ? kBrokenPipe : kUnexpected;
  if (error == EPIPE || !said_nothing) {
    // A reader that went away is said nothing, as `cat` does, and an error already said stays
    // the last word; but a job made must not be lost with the output that named it.
    for (const std::string& line : notes_.lines) std::cerr << kProgram << ": " << line << "\n";
    std::cerr << std::flush;
    return code;
  }
  ErrorReport report;
  report.exit_code = code;
  report.type = "write_failed";
  report.message = "cannot write to standard output: " + std::string(std::strerror(error));
  report.job_id = notes_.job_id;
  report.hints = notes_.lines;
  return print_error(kProgram, report, notes_.json);
}

}  // namespace pixxel_cli
