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
#include <string>
#include <thread>
#include <vector>

#include "exit_codes.hpp"
#include "text.hpp"

namespace pixxel_cli {

void Cli::connect(const CLI::Option& request_timeout, const CLI::Option& retries, bool keyless) {
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
      std::string text =
          std::string(kProgram) + ": " + event.method + " " + pixxel_jobs::printable(event.url) +
          " -> " +
          (event.status_code == 0 ? std::string("no answer") : std::to_string(event.status_code)) +
          " in " + std::to_string(event.elapsed.count()) + " ms";
      if (event.attempt > 1) text += " (attempt " + std::to_string(event.attempt) + ")";
      if (!event.error.empty()) text += ": " + pixxel_jobs::printable(event.error);
      line_.message(text);
    };
  }
  client_.emplace(std::move(options));
}

int Cli::print(const pixxel::Job& job) {
  if (args_.json) {
    std::cout << nlohmann::json(job).dump(2) << "\n";
  } else {
    pixxel_jobs::print_job(std::cout, job);
  }
  return pixxel_examples::kOk;
}

// Prints a job that has ended; a failed one gives kJobFailed.
int Cli::finish(const pixxel::Job& job) {
  print(job);
  if (!pixxel_jobs::is_failed_status(job.status)) return pixxel_examples::kOk;
  std::cerr << kProgram << ": job " << pixxel_jobs::printable(job.id) << " ended with status "
            << pixxel_jobs::printable(job.status) << "\n";
  return pixxel_examples::kJobFailed;
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
  // Only what chooses the server: the key stays where it came from (and out of the terminal).
  if (!args_.base_url.empty()) out += " --base-url " + shell_quote(args_.base_url);
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
