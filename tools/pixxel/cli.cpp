// The client a command talks through, and what several commands share: printing a job, and
// waiting for one.
#include "cli.hpp"

#include <unistd.h>

#include <algorithm>
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

}  // namespace pixxel_cli
