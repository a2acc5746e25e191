// pixxel-mock-server: the in-memory Pixxel API fake, standalone. Prints one line,
// "pixxel-mock-server listening on http://HOST:PORT", then logs requests to stderr until
// SIGINT or SIGTERM.
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <signal.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "mock_server.hpp"

namespace {

// The request target comes from the network: keep control bytes out of the log.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

void log_request(const pixxel::mock::RequestLog& entry) {
  const std::string line = entry.request_id + " " + printable(entry.method) + " " +
                           printable(entry.target) + " " + std::to_string(entry.status) + "\n";
  std::fputs(line.c_str(), stderr);  // one call per line, so threads do not interleave
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"An offline, in-memory fake of the Pixxel jobs API.", "pixxel-mock-server"};
  pixxel::mock::MockOptions options;
  double job_seconds = 3;
  int latency_ms = 0;
  app.add_option("--host", options.host, "Address to bind")->capture_default_str();
  app.add_option("--port", options.port, "Port to bind; 0 picks a free one")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--api-key", options.api_key,
                 "The only accepted Authorization value (default: test-key)")
      ->envname("PIXXEL_API_KEY");
  app.add_option("--job-seconds", job_seconds, "Time a job takes from queued to completed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--latency-ms", latency_ms, "Delay before every /v0/ answer")
      ->capture_default_str()
      ->check(CLI::Range(0, 3'600'000));
  app.add_option("--fail-rate", options.fail_rate, "Fraction of /v0/ requests answered 503")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-limit-rate", options.rate_limit_rate,
                 "Fraction of /v0/ requests answered 429")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fail-after-create-rate", options.fail_after_create_rate,
                 "Fraction of created jobs answered 500 after they were stored")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--retry-after", options.retry_after_seconds,
                 "Retry-After seconds sent with a 429")
      ->capture_default_str()
      ->check(CLI::Range(0, 86'400));
  app.add_option("--seed", options.seed, "Seed for ids and faults; 0 picks a random one")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; a usage error exits 2, as the pixxel CLI's do (CLI11's own codes run
    // past 100).
    return app.exit(e) == 0 ? 0 : 2;
  }

  options.job_duration = std::chrono::milliseconds(std::llround(job_seconds * 1000));
  options.latency = std::chrono::milliseconds(latency_ms);
  options.on_request = log_request;

  // Blocked before any thread starts, so every server thread inherits the mask and the
  // signals are only ever taken by sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    pixxel::mock::MockServer server(options);
    server.start();
    std::cout << "pixxel-mock-server listening on " << server.base_url() << std::endl;

    int received = 0;
    sigwait(&stop_signals, &received);
    std::cerr << "pixxel-mock-server: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
              << ", stopping\n";
    server.stop();
  } catch (const std::exception& e) {
    std::cerr << "pixxel-mock-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
