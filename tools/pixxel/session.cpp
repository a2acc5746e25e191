#include "session.hpp"

#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

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

void add_wait_options(CLI::App& command, WaitArgs& wait, const std::string& timeout_help) {
  command
      .add_option("--poll-interval", wait.poll_interval,
                  "Seconds between polls at first; the pause grows up to 30 s")
      ->capture_default_str()
      ->check(seconds(/*allow_zero=*/false));
  command.add_option("--wait-timeout", wait.timeout, timeout_help)
      ->check(seconds(/*allow_zero=*/true));
}

bool is_transient(const pixxel::Error& e) {
  if (e.outcome_unknown()) return false;
  if (const auto* api = dynamic_cast<const pixxel::ApiError*>(&e)) {
    const int status = api->status_code();
    return status == 408 || status == 429 || status >= 500;
  }
  return dynamic_cast<const pixxel::TransportError*>(&e) != nullptr;
}

void Session::connect(const CLI::Option& request_timeout, const CLI::Option& retries,
                      const ClientNeeds& needs) {
  pixxel::ClientOptions options;
  options.api_key = globals_.api_key;
  if (needs.keyless && options.api_key.empty() && non_empty_env("PIXXEL_API_KEY") == nullptr) {
    // The client insists on a key, but the health check is sent without one (the SDK
    // never sends Authorization to /ping), so any placeholder will do.
    options.api_key = "none";
  }
  options.base_url = globals_.base_url;
  options.allow_insecure_http = globals_.allow_insecure_http;
  if (request_timeout.count() > 0) options.timeout = to_milliseconds(globals_.request_timeout);
  if (retries.count() > 0) options.retry.max_retries = globals_.retries;
  options.user_agent = std::string("pixxel-cli/") + pixxel::version();
  if (globals_.json || needs.record_answers) {
    pixxel::CurlTransportOptions curl;
    curl.max_idle_connections = options.max_concurrent_requests;
    recorder_ = std::make_shared<RecordingTransport>(pixxel::make_curl_transport(curl),
                                                     needs.keep_every_answer);
    options.transport = recorder_;
  }
  if (globals_.verbose) {
    // The event never holds the key: the SDK redacts Authorization before calling this.
    options.on_request = [this](const pixxel::RequestEvent& event) {
      std::string text =
          std::string(kProgram) + ": " + event.method + " " + printable(event.url) + " -> " +
          (event.status_code == 0 ? std::string("no answer") : std::to_string(event.status_code)) +
          " in " + std::to_string(event.elapsed.count()) + " ms";
      if (event.attempt > 1) text += " (attempt " + std::to_string(event.attempt) + ")";
      if (!event.error.empty()) text += ": " + printable(event_error(event));
      if (event.retry_delay) text += "; retrying in " + format_seconds(*event.retry_delay);
      line_.message(text);
    };
  }
  client_.emplace(std::move(options));
}

int Session::print(const pixxel::Job& job) {
  if (globals_.json) {
    print_answer();
  } else {
    print_job(std::cout, job);
  }
  return kOk;
}

std::string Session::answer_body() const {
  std::optional<std::string> body = last_answer();
  if (!body) throw std::logic_error("--json: no answer of the API was recorded");
  return std::move(*body);
}

void Session::print_answer() const {
  const std::string body = answer_body();
  std::cout << body;
  if (body.empty() || body.back() != '\n') std::cout << "\n";
  std::cout << std::flush;
}

std::optional<std::string> Session::last_answer() const {
  return recorder_ ? recorder_->last_body() : std::nullopt;
}

std::vector<std::string> Session::answers() const {
  return recorder_ ? recorder_->bodies() : std::vector<std::string>();
}

int Session::fail(int exit_code, const char* type, const std::string& message) const {
  ErrorReport report;
  report.exit_code = exit_code;
  report.type = type;
  report.message = message;
  report.hints = outcome_.hints;
  return print_error(kProgram, report, globals_.json);
}

int Session::finish(const pixxel::Job& job) {
  print(job);
  if (!is_failed_status(job.status)) return kOk;
  return fail(kJobFailed, "job_failed",
              "job " + printable(job.id) + " ended with status " + printable(job.status));
}

pixxel::Job Session::wait_for(const std::string& workflow, const std::string& job_id,
                              const pixxel::Job* known, milliseconds poll_interval,
                              std::optional<Clock::time_point> deadline,
                              const std::string& resume) {
  JobProgress progress(line_);
  if (known != nullptr) progress.update(*known);
  pixxel::WaitOptions wait;
  wait.poll_interval = poll_interval;
  wait.max_poll_interval = std::max(wait.poll_interval, kMaxPollInterval);
  if (deadline) {
    // 0 would mean "no limit".
    wait.timeout = std::max(milliseconds(1),
                            std::chrono::duration_cast<milliseconds>(*deadline - Clock::now()));
  }
  wait.on_update = [&](const pixxel::Job& job) { progress.update(job); };
  // The SDK rides out an outage; say so, or a wait with no timeout would look hung.
  wait.on_poll_error = [&](const pixxel::Error& e) {
    say(printable(e.what()) + "; still waiting");
  };
  try {
    pixxel::Job job = client_->wait_for_job(workflow, job_id, wait, call_);
    line_.finish();
    return job;
  } catch (const pixxel::TimeoutError&) {
    outcome_.hints.push_back("the job goes on; to wait for it again: " + resume);
    throw;
  } catch (const pixxel::CancelledError&) {
    outcome_.hints.push_back("the job goes on; to wait for it again: " + resume);
    throw;
  }
}

void Session::nap(milliseconds pause) const {
  const auto until = Clock::now() + pause;
  for (auto now = Clock::now(); now < until; now = Clock::now()) {
    if (call_.cancel.cancelled()) throw pixxel::CancelledError("cancelled", false);
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, milliseconds(50)));
  }
  if (call_.cancel.cancelled()) throw pixxel::CancelledError("cancelled", false);
}

std::string Session::command(std::initializer_list<std::string> words) const {
  std::string out = kProgram;
  // Run as printed, the command must send the same key to the same server. A URL a profile
  // filled in is left to --profile: printed as --base-url, it would go with whatever key the
  // default profile or the environment holds. A key given as a flag stays out of the
  // terminal; the placeholder fails at the server rather than letting another key stand in.
  if (!globals_.profile_flag.empty()) out += " --profile " + shell_quote(globals_.profile_flag);
  if (globals_.api_key_flag) out += " --api-key KEY";
  if (globals_.base_url_flag) out += " --base-url " + shell_quote(globals_.base_url);
  for (const std::string& word : words) out += " " + shell_quote(word);
  return out;
}

}  // namespace pixxel_cli
