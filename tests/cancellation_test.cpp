// Cancellation through CallOptions::cancel: a cancelled call ends with CancelledError soon
// after, whatever it is doing, blocking or asynchronous, and says whether its request may have
// reached the server. Each phase is reached by waiting for a state (the server holds the
// request, the transport got it, the observer saw an attempt), never by sleeping; the time
// from cancel() to the call's end is printed ("[ latency ]") and bounded generously, as the
// machine may be loaded (the target is 100 ms).

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/concurrency.hpp"
#include "support/fake_transport.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
using testing::BlackholeServer;
using testing::eventually;
using testing::FakeTransport;
using testing::Gate;
using testing::TestServer;

constexpr char kKey[] = "cancel-key-SECRET";
constexpr char kRunning[] = R"({"id": "job-1", "status": "running"})";
// The target is 100 ms; a loaded 2-core machine gets a wide margin.
constexpr milliseconds kBound{500};

struct Ending {
  bool cancelled = false;
  bool request_sent = false;
  std::string what;
  std::chrono::microseconds latency{0};
};

void report(const std::string& phase, std::chrono::microseconds latency) {
  std::cout << "[ latency ] " << phase << ": "
            << std::chrono::duration<double, std::milli>(latency).count() << " ms\n";
  ::testing::Test::RecordProperty("latency_us", static_cast<int>(latency.count()));
}

template <typename F>
Ending outcome_of(F&& f) {
  Ending e;
  try {
    f();
    e.what = "it returned";
  } catch (const CancelledError& c) {
    e.cancelled = true;
    e.request_sent = c.request_sent();
    e.what = c.what();
  } catch (const std::exception& x) {
    e.what = std::string("another error: ") + x.what();
  }
  return e;
}

// Runs the blocking `call` on a thread, cancels once `reached()` holds, and says how the call
// ended and how long after the cancel.
template <typename Call, typename Reached>
Ending cancel_blocking(CancellationSource& source, Reached reached, Call call) {
  std::atomic<SteadyClock::rep> ended{0};
  auto running = std::async(std::launch::async, [&] {
    Ending e = outcome_of(call);
    ended = SteadyClock::now().time_since_epoch().count();
    return e;
  });
  EXPECT_TRUE(reached());
  const auto cancelled_at = SteadyClock::now();
  source.cancel();
  Ending e = running.get();
  e.latency = std::chrono::duration_cast<std::chrono::microseconds>(
      SteadyClock::time_point(SteadyClock::duration(ended.load())) - cancelled_at);
  return e;
}

// Cancels once `reached()` holds and waits for `future`.
template <typename T, typename Reached>
Ending cancel_async(CancellationSource& source, Reached reached, std::future<T>& future) {
  EXPECT_TRUE(reached());
  const auto cancelled_at = SteadyClock::now();
  source.cancel();
  EXPECT_EQ(future.wait_for(testing::kGenerousWait), std::future_status::ready);
  const auto latency =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - cancelled_at);
  Ending e = outcome_of([&] { future.get(); });
  e.latency = latency;
  return e;
}

ClientOptions options_for(const std::string& url) {
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = url;
  o.connect_timeout = 60s;
  o.timeout = 60s;
  return o;
}

CallOptions cancelled_by(const CancellationSource& source) {
  CallOptions call;
  call.cancel = source.token();
  return call;
}

// A server whose every request is held until the server stops; `arrived` opens at the first.
struct HoldingServer {
  TestServer server;
  Gate arrived;
  HoldingServer() {
    auto hold = [this](const httplib::Request&, httplib::Response& res) {
      arrived.open();
      server.hold(60s);
      res.set_content(kRunning, "application/json");
    };
    server.http().Post(R"(/v0/.*)", hold);
    server.http().Get(R"(/v0/.*)", hold);
    server.start();
  }
};

void expect_cancelled(const Ending& e, bool request_sent) {
  EXPECT_TRUE(e.cancelled) << e.what;
  EXPECT_EQ(e.request_sent, request_sent) << e.what;
  EXPECT_LT(e.latency, kBound);
  EXPECT_EQ(e.what.find(kKey), std::string::npos) << e.what;
}

TEST(CancellationTest, TokensAndRegistrations) {
  CancellationToken never;
  EXPECT_FALSE(never.cancelled());
  EXPECT_FALSE(never.can_be_cancelled());
  CancellationSource source;
  CancellationToken token = source.token();
  int calls = 0;
  auto registration = token.on_cancel([&] { ++calls; });
  int unregistered_calls = 0;
  token.on_cancel([&] { ++unregistered_calls; }).reset();
  EXPECT_FALSE(token.cancelled());
  source.cancel();
  source.cancel();
  EXPECT_TRUE(token.cancelled());
  EXPECT_TRUE(source.cancelled());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(unregistered_calls, 0);
  int late = 0;
  auto after = token.on_cancel([&] { ++late; });  // already cancelled: runs at once
  EXPECT_EQ(late, 1);
}

TEST(CancellationTest, AnAlreadyCancelledCallSendsNothing) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(200, kRunning);
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  PixxelClient client(o);
  CancellationSource source;
  source.cancel();
  const Ending blocking = outcome_of([&] { client.create_job("wf", "p", cancelled_by(source)); });
  EXPECT_TRUE(blocking.cancelled) << blocking.what;
  EXPECT_FALSE(blocking.request_sent);
  auto future = client.create_job_async("wf", "p", cancelled_by(source));
  const Ending async = outcome_of([&] { future.get(); });
  EXPECT_TRUE(async.cancelled) << async.what;
  EXPECT_FALSE(async.request_sent);
  EXPECT_EQ(transport->count(), 0u);
}

TEST(CancellationTest, BlockingCallWhileConnecting) {
  BlackholeServer blackhole;
  const std::size_t before = testing::connecting_sockets(blackhole.port());
  PixxelClient client(options_for(blackhole.url()));
  CancellationSource source;
  const Ending e = cancel_blocking(
      source,
      [&] {
        return eventually([&] { return testing::connecting_sockets(blackhole.port()) > before; });
      },
      [&] { client.create_job("wf", "p", cancelled_by(source)); });
  report("blocking, connecting", e.latency);
  expect_cancelled(e, /*request_sent=*/false);
}

TEST(CancellationTest, BlockingCallWaitingForTheAnswer) {
  HoldingServer holding;
  PixxelClient client(options_for(holding.server.url()));
  CancellationSource source;
  const Ending e = cancel_blocking(
      source, [&] { return holding.arrived.wait(); },
      [&] { client.create_job("wf", "p", cancelled_by(source)); });
  report("blocking, waiting for the answer", e.latency);
  // The POST reached the server: the job may exist.
  expect_cancelled(e, /*request_sent=*/true);
  EXPECT_NE(e.what.find("may have acted"), std::string::npos) << e.what;
}

TEST(CancellationTest, BlockingCallSleepingBeforeARetry) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(503, "{}", {{"Retry-After", "60"}});
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  Gate attempted;
  o.on_request = [&](const RequestEvent&) { attempted.open(); };
  PixxelClient client(o);
  CancellationSource source;
  const Ending e = cancel_blocking(
      source, [&] { return attempted.wait(); },
      [&] { client.create_job("wf", "p", cancelled_by(source)); });
  report("blocking, sleeping before a retry", e.latency);
  // A 503 says the server did nothing: no job was created.
  expect_cancelled(e, /*request_sent=*/false);
  EXPECT_EQ(transport->count(), 1u);
}

TEST(CancellationTest, BlockingWaitForJobBetweenPolls) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(200, kRunning);
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  PixxelClient client(o);
  Gate polled;
  WaitOptions wait;
  wait.poll_interval = 60s;
  wait.max_poll_interval = 60s;
  wait.on_update = [&](const Job&) { polled.open(); };
  CancellationSource source;
  const Ending e = cancel_blocking(
      source, [&] { return polled.wait(); },
      [&] { client.wait_for_job("wf", "job-1", wait, cancelled_by(source)); });
  report("blocking, polling in wait_for_job", e.latency);
  expect_cancelled(e, /*request_sent=*/false);
  EXPECT_EQ(transport->count(), 1u);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::uint64_t size_of(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

TEST(CancellationTest, SaveDownloadWhileStreamingLeavesNoFile) {
  TestServer server;
  const std::string head(64 * 1024, 'z');
  server.http().Get("/archive.zip", [&](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/zip",
                                     [&](size_t offset, httplib::DataSink& sink) {
                                       if (offset == 0) return sink.write(head.data(), head.size());
                                       server.hold(60s);  // the rest never comes
                                       return false;
                                     });
  });
  server.start();
  PixxelClient client(options_for(server.url()));
  DownloadLink link;
  link.status = "ready";
  link.signed_url = server.url() + "/archive.zip";
  const std::string path = ::testing::TempDir() + "/cancellation_test_archive.zip";
  ::unlink(path.c_str());
  ::unlink((path + ".part").c_str());
  CancellationSource source;
  const Ending e = cancel_blocking(
      source, [&] { return eventually([&] { return size_of(path + ".part") > 0; }); },
      [&] { client.save_download(link, path, {}, cancelled_by(source)); });
  report("blocking, streaming in save_download", e.latency);
  expect_cancelled(e, /*request_sent=*/true);
  EXPECT_FALSE(exists(path));
  EXPECT_FALSE(exists(path + ".part"));
}

TEST(CancellationTest, AsyncCallQueuedBehindMaxConcurrentRequests) {
  HoldingServer holding;
  ClientOptions o = options_for(holding.server.url());
  o.max_concurrent_requests = 1;
  PixxelClient client(o);
  auto first = client.get_job_async("wf", "job-0");  // takes the only slot
  ASSERT_TRUE(holding.arrived.wait());
  CancellationSource source;
  auto queued = client.get_job_async("wf", "job-1", cancelled_by(source));
  const Ending e = cancel_async(
      source, [] { return true; }, queued);
  report("async, queued behind max_concurrent_requests", e.latency);
  expect_cancelled(e, /*request_sent=*/false);
  EXPECT_EQ(holding.server.request_count(), 1u);
}

TEST(CancellationTest, AsyncCallInFlightOnTheLoop) {
  HoldingServer holding;
  PixxelClient client(options_for(holding.server.url()));
  CancellationSource source;
  auto future = client.create_job_async("wf", "p", cancelled_by(source));
  const Ending e = cancel_async(
      source, [&] { return holding.arrived.wait(); }, future);
  report("async, in flight on the loop", e.latency);
  expect_cancelled(e, /*request_sent=*/true);
}

TEST(CancellationTest, AsyncCallWhileConnecting) {
  BlackholeServer blackhole;
  const std::size_t before = testing::connecting_sockets(blackhole.port());
  PixxelClient client(options_for(blackhole.url()));
  CancellationSource source;
  auto future = client.create_job_async("wf", "p", cancelled_by(source));
  const Ending e = cancel_async(
      source,
      [&] {
        return eventually([&] { return testing::connecting_sockets(blackhole.port()) > before; });
      },
      future);
  report("async, connecting", e.latency);
  expect_cancelled(e, /*request_sent=*/false);
}

TEST(CancellationTest, AsyncCallSleepingBeforeARetry) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(503, "{}", {{"Retry-After", "60"}});
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  Gate attempted;
  o.on_request = [&](const RequestEvent&) { attempted.open(); };
  PixxelClient client(o);
  CancellationSource source;
  auto future = client.get_job_async("wf", "job-1", cancelled_by(source));
  const Ending e = cancel_async(
      source, [&] { return attempted.wait(); }, future);
  report("async, sleeping before a retry", e.latency);
  expect_cancelled(e, /*request_sent=*/false);
  EXPECT_EQ(transport->count(), 1u);
}

TEST(CancellationTest, WaitForJobAsyncBetweenPolls) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then_answer(200, kRunning);
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = transport;
  PixxelClient client(o);
  Gate polled;
  WaitOptions wait;
  wait.poll_interval = 60s;
  wait.max_poll_interval = 60s;
  wait.on_update = [&](const Job&) { polled.open(); };
  CancellationSource source;
  auto future = client.wait_for_job_async("wf", "job-1", wait, cancelled_by(source));
  const Ending e = cancel_async(
      source, [&] { return polled.wait(); }, future);
  report("async, polling in wait_for_job_async", e.latency);
  expect_cancelled(e, /*request_sent=*/false);
  EXPECT_EQ(transport->count(), 1u);
}

// A custom transport whose send blocks until `release` opens: it cannot be interrupted.
std::shared_ptr<FakeTransport> stuck_transport(std::shared_ptr<Gate> entered,
                                               std::shared_ptr<Gate> release) {
  auto transport = std::make_shared<FakeTransport>();
  transport->then([entered, release](const HttpRequest&) {
    entered->open();
    release->wait();
    return HttpResponse{200, {}, kRunning};
  });
  return transport;
}

TEST(CancellationTest, BlockingCallOnATransportThatCannotBeInterrupted) {
  auto entered = std::make_shared<Gate>();
  auto release = std::make_shared<Gate>();
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = stuck_transport(entered, release);
  PixxelClient client(o);
  CancellationSource source;
  const Ending e = cancel_blocking(
      source, [&] { return entered->wait(); },
      [&] { client.create_job("wf", "p", cancelled_by(source)); });
  report("blocking, custom transport in send", e.latency);
  // The exchange goes on unheard: it may still reach the server.
  expect_cancelled(e, /*request_sent=*/true);
  release->open();
}

TEST(CancellationTest, AsyncCallOnATransportThatCannotBeInterrupted) {
  auto entered = std::make_shared<Gate>();
  auto release = std::make_shared<Gate>();
  ClientOptions o = options_for("http://127.0.0.1:1");
  o.transport = stuck_transport(entered, release);
  PixxelClient client(o);
  CancellationSource source;
  auto future = client.get_job_async("wf", "job-1", cancelled_by(source));
  const Ending e = cancel_async(
      source, [&] { return entered->wait(); }, future);
  report("async, custom transport in send", e.latency);
  expect_cancelled(e, /*request_sent=*/true);
  release->open();
}

TEST(CancellationTest, DestroyingTheClientWaitsForAnExchangeACancellationLeftRunning) {
  auto entered = std::make_shared<Gate>();
  auto release = std::make_shared<Gate>();
  auto transport = stuck_transport(entered, release);
  std::thread opener;
  {
    ClientOptions o = options_for("http://127.0.0.1:1");
    o.transport = transport;
    PixxelClient client(o);
    CancellationSource source;
    const Ending e = cancel_blocking(
        source, [&] { return entered->wait(); },
        [&] { client.create_job("wf", "p", cancelled_by(source)); });
    expect_cancelled(e, /*request_sent=*/true);
    opener = std::thread([release] { release->open(); });
  }  // waits for the exchange's thread, whose send `opener` lets go
  opener.join();
  // That thread was the client's: it is gone, and with it its hold on the transport.
  EXPECT_EQ(transport.use_count(), 1);
}

TEST(CancellationTest, ACancelledCallLeavesTheClientUsable) {
  TestServer server;
  Gate arrived;
  server.http().Get(R"(/v0/workflows/wf/jobs/([^/]+))",
                    [&](const httplib::Request& req, httplib::Response& res) {
                      if (req.matches[1] == "held") {
                        arrived.open();
                        server.hold(60s);
                      }
                      res.set_content(kRunning, "application/json");
                    });
  server.start();
  PixxelClient client(options_for(server.url()));
  CancellationSource source;
  const Ending e = cancel_blocking(
      source, [&] { return arrived.wait(); },
      [&] { client.get_job("wf", "held", cancelled_by(source)); });
  EXPECT_TRUE(e.cancelled) << e.what;
  EXPECT_EQ(client.get_job("wf", "job-1").status, "running");
  CancellationSource unused;
  EXPECT_EQ(client.get_job_async("wf", "job-1", cancelled_by(unused)).get().status, "running");
}

}  // namespace
}  // namespace pixxel
