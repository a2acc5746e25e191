// What a MockServer is given: MockOptions, with the record its on_request gets (RequestLog)
// and a clock a test can step (ManualClock). Apart from the server, so that the server's parts
// include only these; installed beside mock_server.hpp, which includes it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace pixxel::mock {

/// One answered request, as given to `MockOptions::on_request`. It never carries the
/// Authorization value.
struct RequestLog {
  std::string method;
  std::string target;  // raw request target as received: percent-encoded path and query
  int status = 0;
  std::string request_id;  // the X-Request-Id of the answer
};

/// A time source for `MockOptions::clock` that stands still until `advance` moves it, so that
/// a test, not the machine's speed, decides when a job moves on. Copies share one time.
///
/// @par Thread Safety
/// `now` and `advance` may be called from any thread.
class ManualClock {
 public:
  std::chrono::steady_clock::time_point now() const {
    return std::chrono::steady_clock::time_point(std::chrono::microseconds(micros_->load()));
  }
  void advance(std::chrono::microseconds by) { *micros_ += by.count(); }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> micros_ =
      std::make_shared<std::atomic<std::int64_t>>(0);
};

/// What a `MockServer` serves and how: its address, the key it accepts, how long jobs take,
/// the faults it injects. Defaults are written in-class; `MockServer` checks the values.
struct MockOptions {
  std::string host = "127.0.0.1";
  int port = 0;                                  // 0: any free port
  std::string api_key = "test-key";              // the only accepted Authorization value
  std::chrono::milliseconds job_duration{3000};  // queued -> running -> completed, in total
  std::chrono::milliseconds latency{0};          // added before every /v0/ answer
  double fail_rate = 0;        // fraction of /v0/ requests answered 503 (documented error body)
  double rate_limit_rate = 0;  // fraction of /v0/ requests answered 429 with Retry-After
  // Fraction of created jobs answered 500 after they were stored: the job exists but the
  // client is not told, as when a server fails after committing. A client that retries the
  // POST creates a second job.
  double fail_after_create_rate = 0;
  int retry_after_seconds = 1;
  std::uint64_t seed = 0;  // 0: random; otherwise deterministic ids and fault sequence
  std::chrono::milliseconds signed_url_ttl{15 * 60 * 1000};  // lifetime of a signed URL
  // The time that drives jobs (their states, progress and times) and signed-URL expiry;
  // `latency` is always real time. Empty: std::chrono::steady_clock::now. It is called on
  // server threads, so it must be thread-safe; `[clock] { return clock.now(); }` with a
  // ManualClock lets a test step jobs explicitly.
  std::function<std::chrono::steady_clock::time_point()> clock;
  // Called once per answered request, on a server thread, after the answer is written;
  // it must not throw.
  std::function<void(const RequestLog&)> on_request;
};

}  // namespace pixxel::mock
