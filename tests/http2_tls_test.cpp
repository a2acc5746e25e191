// HTTP/2 and TLS, against loopback TLS servers that count what they saw (a Node.js child
// process, tests/support/tls_server.js, for HTTP/2; cpp-httplib's SSLServer with OpenSSL's
// counters, tests/support/tls_test_server.cpp, for resumption): HTTP version negotiation and
// ClientOptions::http_version, HTTP/2 multiplexing of asynchronous calls, the HTTP/1.1
// connection cap, TLS session resumption, and requests refused by a graceful GOAWAY sent
// again, each processed exactly once.

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/node_tls_server.hpp"
#include "support/tls_test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::NodeTlsServer;
using testing::TlsTestServer;

ClientOptions options_for(const NodeTlsServer& server) {
  ClientOptions o;
  o.api_key = "sk-h2-test-key";
  o.base_url = server.url();
  o.ca_bundle = NodeTlsServer::ca_file();
  // No retries: whatever succeeds below did so without the retry rules' help, and no POST
  // the server may have processed is ever sent twice.
  o.retry.max_retries = 0;
  return o;
}

// Each call names its own project, which the server counts: "processed exactly once".
std::string project(int i) { return "p" + std::to_string(i); }

NodeTlsServer::Options h2() { return {}; }
NodeTlsServer::Options http1() {
  NodeTlsServer::Options o;
  o.http2 = false;
  return o;
}

TEST(Http2NegotiationTest, AutomaticSpeaksHttp2WhenTheServerOffersIt) {
  NodeTlsServer server(h2());
  PixxelClient client(options_for(server));
  EXPECT_EQ(client.create_job("wf", project(1)).created_by, project(1));
  EXPECT_EQ(client.create_job_async("wf", project(2)).get().created_by, project(2));
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests_h2, 2);
  EXPECT_EQ(stats.requests_http1, 0);
}

TEST(Http2NegotiationTest, AutomaticSpeaksHttp11WhenTheServerOffersOnlyThat) {
  NodeTlsServer server(http1());
  PixxelClient client(options_for(server));
  EXPECT_EQ(client.create_job("wf", project(1)).created_by, project(1));
  EXPECT_EQ(client.create_job_async("wf", project(2)).get().created_by, project(2));
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests_http1, 2);
  EXPECT_EQ(stats.requests_h2, 0);
}

TEST(Http2NegotiationTest, Http11OptionNeverAsksForHttp2) {
  NodeTlsServer server(h2());
  ClientOptions o = options_for(server);
  o.http_version = HttpVersion::http1_1;
  PixxelClient client(o);
  EXPECT_EQ(client.create_job("wf", project(1)).created_by, project(1));
  EXPECT_EQ(client.create_job_async("wf", project(2)).get().created_by, project(2));
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests_http1, 2);
  EXPECT_EQ(stats.requests_h2, 0);
  EXPECT_EQ(stats.h2_sessions, 0);
}

TEST(Http2NegotiationTest, AnUnknownHttpVersionIsAConfigurationError) {
  ClientOptions o;
  o.api_key = "k";
  o.http_version = static_cast<HttpVersion>(7);
  EXPECT_THROW(PixxelClient{o}, ConfigurationError);
}

TEST(Http2NegotiationTest, Http11WithACustomTransportIsAConfigurationError) {
  // The option configures the built-in transport: a custom one would silently ignore it.
  struct Unused : Transport {
    HttpResponse send(const HttpRequest&) override { return {}; }
  };
  ClientOptions o;
  o.api_key = "k";
  o.transport = std::make_shared<Unused>();
  o.http_version = HttpVersion::http1_1;
  EXPECT_THROW(PixxelClient{o}, ConfigurationError);
}

// Waits for every future; returns how many failed, and lets none throw.
int failures(std::vector<std::future<Job>>& calls, int first_project) {
  int failed = 0;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    try {
      const Job job = calls[i].get();
      if (job.created_by != project(first_project + static_cast<int>(i))) ++failed;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "call " << i << ": " << e.what();
      ++failed;
    }
  }
  return failed;
}

TEST(Http2MultiplexTest, ConcurrentAsyncCallsShareOneHttp2Connection) {
  NodeTlsServer::Options server_options = h2();
  // Long enough that every call is in flight before the first is answered.
  server_options.latency = 200ms;
  NodeTlsServer server(server_options);
  PixxelClient client(options_for(server));
  std::vector<std::future<Job>> calls;
  for (int i = 0; i < 64; ++i) calls.push_back(client.create_job_async("wf", project(i)));
  EXPECT_EQ(failures(calls, 0), 0);
  const auto stats = server.stats();
  EXPECT_EQ(stats.sessions, 1);
  EXPECT_EQ(stats.requests_h2, 64);
}

TEST(Http2MultiplexTest, AsyncCallsOverHttp11OpenAtMostMaxConcurrentRequests) {
  NodeTlsServer::Options server_options = http1();
  server_options.latency = 20ms;
  NodeTlsServer server(server_options);
  ClientOptions o = options_for(server);
  o.max_concurrent_requests = 4;
  PixxelClient client(o);
  std::vector<std::future<Job>> calls;
  for (int i = 0; i < 32; ++i) calls.push_back(client.create_job_async("wf", project(i)));
  EXPECT_EQ(failures(calls, 0), 0);
  const auto stats = server.stats();
  EXPECT_LE(stats.sessions, 4);
  EXPECT_LE(stats.max_open_sessions, 4);
  EXPECT_EQ(stats.requests_http1, 32);
}

// The server closes every connection after its answer: each call needs a new TLS connection,
// and each after the first resumes the client's TLS session. (OpenSSL's counters on the
// server say so; Node's isSessionReused() misses resumptions from tickets that Node issued on
// a resumed connection.)
TlsTestServer::Options closing() {
  TlsTestServer::Options o;
  o.close = true;
  return o;
}

ClientOptions options_for(const TlsTestServer& server) {
  ClientOptions o;
  o.api_key = "sk-h2-test-key";
  o.base_url = server.url();
  o.ca_bundle = TlsTestServer::ca_file();
  o.retry.max_retries = 0;
  return o;
}

TEST(TlsResumptionTest, BlockingCallsResumeTheClientsTlsSession) {
  TlsTestServer server(closing());
  PixxelClient client(options_for(server));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.create_job("wf", project(i)).created_by, project(i));
  EXPECT_EQ(server.handshakes(), 5);
  EXPECT_EQ(server.resumed(), 4);
}

TEST(TlsResumptionTest, AsyncCallsResumeTheClientsTlsSession) {
  TlsTestServer server(closing());
  PixxelClient client(options_for(server));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(client.create_job_async("wf", project(i)).get().created_by, project(i));
  }
  EXPECT_EQ(server.handshakes(), 5);
  EXPECT_EQ(server.resumed(), 4);
}

TEST(TlsResumptionTest, BlockingAndAsyncCallsShareOneTlsSessionCache) {
  TlsTestServer server(closing());
  PixxelClient client(options_for(server));
  EXPECT_EQ(client.create_job("wf", project(0)).created_by, project(0));
  EXPECT_EQ(client.create_job_async("wf", project(1)).get().created_by, project(1));
  EXPECT_EQ(client.create_job("wf", project(2)).created_by, project(2));
  EXPECT_EQ(server.handshakes(), 3);
  EXPECT_EQ(server.resumed(), 2);
}

// 32 calls, 4 at a time over HTTP/1.1: the first goes alone and is answered before the others
// connect, so they can resume its session; without that, all four connections would start at
// once with nothing to resume. Over TLS 1.3 too, where OpenSSL spoils a session once one
// connection has resumed it, each connection resumes a copy (src/curl/tls_sessions.hpp).
void expect_resumed_after_first(bool tls12_only) {
  TlsTestServer::Options server_options;
  server_options.latency = 5ms;
  server_options.tls12_only = tls12_only;
  TlsTestServer server(server_options);
  ClientOptions o = options_for(server);
  o.max_concurrent_requests = 4;
  PixxelClient client(o);
  std::vector<std::future<Job>> calls;
  for (int i = 0; i < 32; ++i) calls.push_back(client.create_job_async("wf", project(i)));
  EXPECT_EQ(failures(calls, 0), 0);
  EXPECT_GE(server.handshakes(), 2);
  EXPECT_LE(server.handshakes(), 4);
  EXPECT_EQ(server.resumed(), server.handshakes() - 1);
}

// A TLS 1.3 server (cpp-httplib's default) answering after 20 ms, 40 connections at once.
TlsTestServer::Options burst_server() {
  TlsTestServer::Options o;
  o.latency = 20ms;
  o.threads = 40;
  return o;
}

// A burst: 32 connections at once over TLS 1.3, each resuming the session the first one
// cached while the others resume it too. Before each connection resumed a copy of the
// session, OpenSSL spoiled it as the first of them finished its handshake, and a few of the
// rest did full handshakes at random (2 to 10 of 63 in the 64-connection benchmark).
TEST(TlsResumptionTest, ABurstOfNewTls13ConnectionsAllResume) {
  TlsTestServer server(burst_server());
  ClientOptions o = options_for(server);
  o.max_concurrent_requests = 32;
  PixxelClient client(o);
  std::vector<std::future<Job>> calls;
  for (int i = 0; i < 128; ++i) calls.push_back(client.create_job_async("wf", project(i)));
  EXPECT_EQ(failures(calls, 0), 0);
  EXPECT_GE(server.handshakes(), 16);
  EXPECT_EQ(server.resumed(), server.handshakes() - 1);
}

// The same from threads making blocking calls: one connection each, started together once
// the first call has cached the session.
TEST(TlsResumptionTest, BlockingCallsFromManyThreadsAllResume) {
  TlsTestServer server(burst_server());
  PixxelClient client(options_for(server));
  EXPECT_EQ(client.create_job("wf", project(0)).created_by, project(0));
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&client, &failed, t] {
      for (int i = 0; i < 4; ++i) {
        try {
          client.create_job("wf", project(t * 4 + i));
        } catch (const std::exception&) {
          ++failed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GE(server.handshakes(), 2);
  EXPECT_EQ(server.resumed(), server.handshakes() - 1);
}

TEST(TlsResumptionTest, ConcurrentAsyncCallsOverHttp11ResumeAfterTheFirstHandshake) {
  expect_resumed_after_first(false);
}

TEST(TlsResumptionTest, ConcurrentAsyncCallsOverTls12AllResumeAfterTheFirstHandshake) {
  expect_resumed_after_first(true);
}

TEST(TlsResumptionTest, ACallHeldForTheFirstHandshakeCanBeCancelledUnsent) {
  TlsTestServer::Options server_options;
  // The first call is answered this late: the second is submitted long before, and held.
  server_options.latency = 2000ms;
  TlsTestServer server(server_options);
  PixxelClient client(options_for(server));
  auto first = client.create_job_async("wf", project(0));
  CancellationSource source;
  CallOptions call;
  call.cancel = source.token();
  auto second = client.create_job_async("wf", project(1), call);
  source.cancel();
  try {
    second.get();
    FAIL() << "expected CancelledError";
  } catch (const CancelledError& e) {
    EXPECT_FALSE(e.request_sent());
  }
  EXPECT_EQ(first.get().created_by, project(0));
  EXPECT_EQ(server.requests(), 1);
}

TEST(TlsResumptionTest, TwoClientsShareNoTlsSession) {
  TlsTestServer server(closing());
  PixxelClient first(options_for(server));
  PixxelClient second(options_for(server));
  EXPECT_EQ(first.create_job("wf", project(0)).created_by, project(0));
  EXPECT_EQ(second.create_job("wf", project(1)).created_by, project(1));
  EXPECT_EQ(server.handshakes(), 2);
  EXPECT_EQ(server.resumed(), 0);
}

// A GOAWAY on every 10th stream of a session refuses that stream (and any later one): each
// such call must be sent again on a new connection, and no call may be processed twice.
NodeTlsServer::Options goaway_every(int streams) {
  NodeTlsServer::Options o = h2();
  o.goaway_every = streams;
  return o;
}

TEST(Http2GoawayTest, SequentialBlockingCallsAllSucceedOnceThroughGoaways) {
  NodeTlsServer server(goaway_every(10));
  PixxelClient client(options_for(server));
  constexpr int kCalls = 1000;
  int failed = 0;
  for (int i = 0; i < kCalls; ++i) {
    try {
      if (client.create_job("wf", project(i)).created_by != project(i)) ++failed;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "call " << i << ": " << e.what();
      ++failed;
    }
  }
  EXPECT_EQ(failed, 0);
  const auto stats = server.stats();
  EXPECT_EQ(stats.processed, kCalls);
  EXPECT_EQ(stats.duplicates, 0);
  // Every 10th stream was refused: the test did go through the refusals it is about.
  EXPECT_GE(stats.goaways, kCalls / 10 - 1);
  EXPECT_GE(stats.refused, stats.goaways);
}

TEST(Http2GoawayTest, ConcurrentAsyncCallsAllSucceedOnceThroughGoaways) {
  NodeTlsServer server(goaway_every(50));
  PixxelClient client(options_for(server));
  constexpr int kCalls = 1000;
  std::vector<std::future<Job>> calls;
  for (int i = 0; i < kCalls; ++i) calls.push_back(client.create_job_async("wf", project(i)));
  EXPECT_EQ(failures(calls, 0), 0);
  const auto stats = server.stats();
  EXPECT_EQ(stats.processed, kCalls);
  EXPECT_EQ(stats.duplicates, 0);
  EXPECT_GE(stats.goaways, kCalls / 50 - 1);
  EXPECT_GE(stats.refused, stats.goaways);
}

TEST(Http2GoawayTest, ConcurrentBlockingCallsAllSucceedOnceThroughGoaways) {
  NodeTlsServer server(goaway_every(10));
  PixxelClient client(options_for(server));
  constexpr int kThreads = 4;
  constexpr int kCallsEach = 100;
  std::vector<int> failed(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        const int n = t * kCallsEach + i;
        try {
          if (client.create_job("wf", project(n)).created_by != project(n)) ++failed[t];
        } catch (const std::exception&) {
          ++failed[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failed[t], 0) << "thread " << t;
  const auto stats = server.stats();
  EXPECT_EQ(stats.processed, kThreads * kCallsEach);
  EXPECT_EQ(stats.duplicates, 0);
  EXPECT_GE(stats.refused, kThreads * kCallsEach / 10 - kThreads);
}

}  // namespace
}  // namespace pixxel
