// The client a command talks through, and what several commands share: printing a job, and
// waiting for one.
#include "cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "exit_codes.hpp"
#include "text.hpp"

namespace pixxel_cli {

namespace {

const char* non_empty_env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0' ? nullptr : value;
}

// libcurl's and the server's words, without the "GET https://..." the -v line starts with.
std::string event_error(const pixxel::RequestEvent& event) {
  const std::string prefix = event.method + " " + event.url + ": ";
  if (event.error.compare(0, prefix.size(), prefix) == 0) return event.error.substr(prefix.size());
  return event.error;
}

}  // namespace

pixxel_examples::ErrorContext error_context(const Arguments& args) {
  pixxel_examples::ErrorContext context;
  context.json = args.json;
  context.key_given = !args.api_key.empty() || non_empty_env("PIXXEL_API_KEY") != nullptr;
  if (args.api_key_flag) {
    context.key_source = "--api-key";
  } else if (!args.key_profile.empty()) {
    context.key_source = args.key_profile;
  } else {
    context.key_source = "PIXXEL_API_KEY";
  }
  if (args.base_url_flag) {
    context.base_url_source = "--base-url";
  } else if (!args.url_profile.empty()) {
    context.base_url_source = args.url_profile;
  } else if (non_empty_env("PIXXEL_BASE_URL") != nullptr) {
    context.base_url_source = "PIXXEL_BASE_URL";
  }
  context.max_retry_after = pixxel::RetryPolicy{}.max_retry_after;
  return context;
}

namespace {

// Whether the command line asks for --json, read before (or without) CLI11.
bool wants_json(int argc, const char* const* argv) {
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

}  // namespace

int report_usage_error(const std::string& message, int argc, const char* const* argv) {
  pixxel_examples::ErrorReport report;
  report.exit_code = pixxel_examples::kUsage;
  report.type = "usage";
  report.message = message;
  if (!wants_json(argc, argv)) report.hints.push_back("run with --help for more information");
  return pixxel_examples::print_error(kProgram, report, wants_json(argc, argv));
}

int report_parse_error(const CLI::App& app, const CLI::ParseError& error, int argc,
                       const char* const* argv) {
  // --help and --version "fail" with exit code 0.
  if (error.get_exit_code() == 0) {
    app.exit(error);
    return pixxel_examples::kOk;
  }
  if (!wants_json(argc, argv)) {
    app.exit(error);
    return pixxel_examples::kUsage;
  }
  return report_usage_error(
      std::string("usage error: ") + error.what() + "; see " + kProgram + " --help", argc, argv);
}

void Cli::connect(const CLI::Option& request_timeout, const CLI::Option& retries, bool keyless,
                  bool record_answers) {
  pixxel::ClientOptions options;
  options.api_key = args_.api_key;
  if (keyless && options.api_key.empty() && non_empty_env("PIXXEL_API_KEY") == nullptr) {
    // The client insists on a key, but the health check is sent without one (the SDK
    // never sends Authorization to /ping), so any placeholder will do.
    options.api_key = "none";
  }
  options.base_url = args_.base_url;
  options.allow_insecure_http = args_.allow_insecure_http;
  if (request_timeout.count() > 0) options.timeout = to_milliseconds(args_.request_timeout);
  if (retries.count() > 0) options.retry.max_retries = args_.retries;
  options.user_agent = std::string("pixxel-cli/") + pixxel::version();
  if (args_.json || record_answers) {
    pixxel::CurlTransportOptions curl;
    curl.max_idle_connections = options.max_concurrent_requests;
    // workflows list --all prints every page; other commands the last answer only.
    recorder_ = std::make_shared<RecordingTransport>(pixxel::make_curl_transport(curl), args_.all);
    options.transport = recorder_;
  }
  if (args_.verbose) {
    // The event never holds the key: the SDK redacts Authorization before calling this.
    options.on_request = [this](const pixxel::RequestEvent& event) {
      std::string text =
          std::string(kProgram) + ": " + event.method + " " + pixxel_jobs::printable(event.url) +
          " -> " +
          (event.status_code == 0 ? std::string("no answer") : std::to_string(event.status_code)) +
          " in " + std::to_string(event.elapsed.count()) + " ms";
      if (event.attempt > 1) text += " (attempt " + std::to_string(event.attempt) + ")";
      if (!event.error.empty()) text += ": " + pixxel_jobs::printable(event_error(event));
      if (event.retry_delay) {
        text += "; retrying in " + pixxel_examples::format_seconds(*event.retry_delay);
      }
      line_.message(text);
    };
  }
  client_.emplace(std::move(options));
}

int Cli::print(const pixxel::Job& job) {
  if (args_.json) {
    print_answer();
  } else {
    pixxel_jobs::print_job(std::cout, job);
  }
  return pixxel_examples::kOk;
}

std::string Cli::answer_body() const {
  std::optional<std::string> body = recorder_ ? recorder_->last_body() : std::nullopt;
  if (!body) throw std::logic_error("--json: no answer of the API was recorded");
  return std::move(*body);
}

void Cli::print_answer() const {
  const std::string body = answer_body();
  std::cout << body;
  if (body.empty() || body.back() != '\n') std::cout << "\n";
  std::cout << std::flush;
}

int Cli::fail(int exit_code, const char* type, const std::string& message) const {
  pixxel_examples::ErrorReport report;
  report.exit_code = exit_code;
  report.type = type;
  report.message = message;
  report.hints = hints_;
  return pixxel_examples::print_error(kProgram, report, args_.json);
}

// Prints a job that has ended; a failed one gives kJobFailed.
int Cli::finish(const pixxel::Job& job) {
  print(job);
  if (!pixxel_jobs::is_failed_status(job.status)) return pixxel_examples::kOk;
  return fail(pixxel_examples::kJobFailed, "job_failed",
              "job " + pixxel_jobs::printable(job.id) + " ended with status " +
                  pixxel_jobs::printable(job.status));
}

milliseconds Cli::poll_interval() const { return to_milliseconds(args_.poll_interval); }

// Now plus --wait-timeout; none when it was not given.
std::optional<Clock::time_point> Cli::wait_deadline() const {
  if (args_.wait_timeout <= 0) return std::nullopt;
  return Clock::now() + to_milliseconds(args_.wait_timeout);
}

pixxel::Job Cli::wait_for(const std::string& job_id, const pixxel::Job* known,
                          std::optional<Clock::time_point> deadline, const std::string& resume) {
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
  try {
    pixxel::Job job = client_->wait_for_job(args_.workflow, job_id, wait, call_);
    line_.finish();
    return job;
  } catch (const pixxel::TimeoutError&) {
    hints_.push_back("the job goes on; to wait for it again: " + resume);
    throw;
  } catch (const pixxel::CancelledError&) {
    hints_.push_back("the job goes on; to wait for it again: " + resume);
    throw;
  }
}

void Cli::nap(milliseconds pause) const {
  const auto until = Clock::now() + pause;
  for (auto now = Clock::now(); now < until; now = Clock::now()) {
    if (call_.cancel.cancelled()) throw pixxel::CancelledError("cancelled", false);
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, milliseconds(50)));
  }
  if (call_.cancel.cancelled()) throw pixxel::CancelledError("cancelled", false);
}

std::string Cli::command(std::initializer_list<std::string> words) const {
  std::string out = kProgram;
  // Run as printed, the command must send the same key to the same server. A URL a profile
  // filled in is left to --profile: printed as --base-url, it would go with whatever key the
  // default profile or the environment holds. A key given as a flag stays out of the
  // terminal; the placeholder fails at the server rather than letting another key stand in.
  if (!args_.profile_flag.empty()) out += " --profile " + shell_quote(args_.profile_flag);
  if (args_.api_key_flag) out += " --api-key KEY";
  if (args_.base_url_flag) out += " --base-url " + shell_quote(args_.base_url);
  for (const std::string& word : words) out += " " + shell_quote(word);
  return out;
}

std::string shell_quote(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("-_.,:/=@%+").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string out = "'";
  for (const char c : pixxel_jobs::printable(word)) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool is_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  // A real day: the timestamp parser knows the calendar.
  return pixxel::parse_timestamp(std::string(text) + "T00:00:00Z").has_value();
}

}  // namespace pixxel_cli
