// A paid request (create_job) is sent at most once unless the caller asked for retries of it,
// and an outcome the client cannot know is said so (Error::outcome_unknown(), sent_at(),
// find_jobs_created_since), over real libcurl against servers that misbehave as real ones do:
// an HTTP/2 server that refuses a stream and later resets a connection after processing, a
// server that answers a POST with 303 and then fails the GET, an announced body of 200 GB,
// a proxy that refuses the tunnel. Each case here was a duplicated job, a crash or a wrong
// label before.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "pixxel/mocks/mock_connection.hpp"
#include "pixxel/pixxel.hpp"
#include "support/fake_transport.hpp"
#include "support/node_tls_server.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::NodeTlsServer;

ClientOptions tls_options(const NodeTlsServer& server) {
  ClientOptions o;
  o.api_key = "sk-exactly-once";
  o.base_url = server.url();
  o.ca_bundle = NodeTlsServer::ca_file();
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 2ms;
  return o;
}

ClientOptions plain_options(const std::string& url) {
  ClientOptions o;
  o.api_key = "sk-exactly-once";
  o.base_url = url;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 2ms;
  return o;
}

// Options whose every request goes to `transport` (a scripted one).
ClientOptions fake_options(std::shared_ptr<Transport> transport) {
  ClientOptions o = plain_options("http://127.0.0.1:1");
  o.transport = std::move(transport);
  return o;
}

// What a failed create_job said of itself.
struct Failure {
  bool outcome_unknown = false;
  bool has_sent_at = false;
  std::string what;
};

template <typename Call>
std::optional<Failure> failure_of(Call call) {
  try {
    call();
  } catch (const Error& e) {
    return Failure{e.outcome_unknown(), e.sent_at().has_value(), e.what()};
  }
  return std::nullopt;
}

// libcurl 7.88 keeps a refused HTTP/2 stream's mark on its easy handle (state.refused_stream)
// when it resends the request over a reused connection, and curl_easy_reset does not clear it.
// The next request on that pooled handle, processed and then cut off without an answer, was taken
// for refused and sent again: two jobs. Script: a GET opens the connection; the second GET, on
// that reused connection, is refused and resent, and its answer closes the connection; the
// POST goes out on a new one, is processed, and its connection is closed without an answer.
// Runs the script above: `get` twice, then `create`, whose POST must be processed once and
// end in an error that says its outcome is unknown.
void expect_no_second_post(const std::function<void(PixxelClient&, const char*)>& get,
                           const std::function<void(PixxelClient&)>& create) {
  NodeTlsServer::Options o;
  o.plan = "GET:ok,refuse,ok-close;POST:drop-after-process";
  NodeTlsServer server(o);
  PixxelClient client(tls_options(server));
  get(client, "job-a");
  get(client, "job-b");  // refused, and resent by libcurl
  const auto failure = failure_of([&] { create(client); });
  const auto stats = server.stats();
  EXPECT_EQ(stats.refused, 1) << "the test did not go through a refusal";
  EXPECT_EQ(stats.processed, 1);
  EXPECT_EQ(stats.duplicates, 0);
  ASSERT_TRUE(failure.has_value())
      << "a job came back, but its POST was processed " << stats.processed << " times";
  EXPECT_TRUE(failure->outcome_unknown) << failure->what;
  EXPECT_TRUE(failure->has_sent_at);
}

TEST(RefusedStreamTest, ALaterProcessedPostOnTheSameHandleIsNotSentAgain) {
  expect_no_second_post([](PixxelClient& c, const char* job) { c.get_job("wf", job); },
                        [](PixxelClient& c) { c.create_job("wf", "p1"); });
}

TEST(RefusedStreamTest, ALaterProcessedAsyncPostOnTheSameHandleIsNotSentAgain) {
  expect_no_second_post([](PixxelClient& c, const char* job) { c.get_job_async("wf", job).get(); },
                        [](PixxelClient& c) { c.create_job_async("wf", "p1").get(); });
}

// A refused POST (never processed) is still sent again: the fix forbids only what may have
// been processed.
TEST(RefusedStreamTest, ARefusedPostOnAFreshConnectionIsSentAgainAndProcessedOnce) {
  NodeTlsServer::Options o;
  o.plan = "POST:refuse";
  NodeTlsServer server(o);
  PixxelClient client(tls_options(server));
  EXPECT_EQ(client.create_job("wf", "p1").created_by, "p1");
  const auto stats = server.stats();
  EXPECT_EQ(stats.refused, 1);
  EXPECT_EQ(stats.processed, 1);
}

// A server that creates the job, answers 303 to it, and then fails the GET of the job.
class RedirectedCreate {
 public:
  explicit RedirectedCreate(int get_status, std::string location = {}) {
    server_.http().Post(
        "/v0/workflows/wf/jobs", [this, location](const httplib::Request&, httplib::Response& res) {
          ++posts_;
          res.status = 303;
          res.set_header("Location", location.empty() ? "/v0/workflows/wf/jobs/job-1" : location);
        });
    server_.http().Get("/v0/workflows/wf/jobs/job-1", [get_status](const httplib::Request&,
                                                                   httplib::Response& res) {
      res.status = get_status;
      if (get_status == 429 || get_status == 503) {
        res.set_header("Retry-After", "0");
      }
      res.set_content(R"({"error":{"code":"busy","message":"busy"}})", "application/json");
    });
    server_.start();
  }
  std::string url() const { return server_.url(); }
  int posts() const { return posts_.load(); }

 private:
  testing::TestServer server_{4};
  std::atomic<int> posts_{0};
};

void expect_one_post_and_unknown(const RedirectedCreate& server, const std::optional<Failure>& f) {
  EXPECT_EQ(server.posts(), 1) << "the POST was repeated after its 303";
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->outcome_unknown) << f->what;
  EXPECT_TRUE(f->has_sent_at);
}

TEST(RedirectedCreateTest, A303FollowedBy503IsNotRepeated) {
  RedirectedCreate server(503);
  PixxelClient client(plain_options(server.url()));
  expect_one_post_and_unknown(server, failure_of([&] { client.create_job("wf", "p"); }));
}

TEST(RedirectedCreateTest, A303FollowedBy429IsNotRepeated) {
  RedirectedCreate server(429);
  PixxelClient client(plain_options(server.url()));
  expect_one_post_and_unknown(server, failure_of([&] { client.create_job("wf", "p"); }));
}

TEST(RedirectedCreateTest, A303ToAnOriginThatRefusesConnectionsIsNotRepeated) {
  RedirectedCreate server(
      200, "http://127.0.0.1:" + std::to_string(testing::refused_port()) + "/v0/jobs/job-1");
  PixxelClient client(plain_options(server.url()));
  expect_one_post_and_unknown(server, failure_of([&] { client.create_job("wf", "p"); }));
  // The hop that never left does not make the POST, which was answered, unsent.
  try {
    client.create_job("wf", "p");
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.request_sent()) << e.what();
  }
  EXPECT_EQ(server.posts(), 2);
}

TEST(RedirectedCreateTest, AnAsync303FollowedBy503IsNotRepeated) {
  RedirectedCreate server(503);
  PixxelClient client(plain_options(server.url()));
  expect_one_post_and_unknown(server,
                              failure_of([&] { client.create_job_async("wf", "p").get(); }));
}

// Asked for, a paid request is retried after its 303 too.
TEST(RedirectedCreateTest, RetryNonIdempotentRepeatsTheWholeCall) {
  RedirectedCreate server(503);
  ClientOptions o = plain_options(server.url());
  o.retry.retry_non_idempotent = true;
  PixxelClient client(o);
  const auto f = failure_of([&] { client.create_job("wf", "p"); });
  EXPECT_EQ(server.posts(), 3);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->outcome_unknown);
}

// An answer announcing 200 GB with no limit set: a reserve() of it threw inside libcurl's
// header callback (std::terminate on the async path).
std::string huge_announcement(const std::string&) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
         "Content-Length: 200000000000\r\n\r\n{\"id\":\"job-1\"";
}

TEST(HugeAnswerTest, AnAnnouncedHugeBodyIsATransportErrorOnTheBlockingPath) {
  testing::ScriptedServer server(huge_announcement);
  ClientOptions o = plain_options(server.url());
  o.max_response_bytes = static_cast<std::size_t>(-1);
  o.retry.max_retries = 0;
  PixxelClient client(o);
  EXPECT_THROW(client.get_job("wf", "job-1"), TransportError);
  const auto f = failure_of([&] { client.create_job("wf", "p"); });
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->outcome_unknown) << f->what;
}

TEST(HugeAnswerTest, AnAnnouncedHugeBodyIsATransportErrorOnTheAsyncPath) {
  testing::ScriptedServer server(huge_announcement);
  ClientOptions o = plain_options(server.url());
  o.max_response_bytes = std::size_t{1} << 40;  // 1 TB
  o.retry.max_retries = 0;
  PixxelClient client(o);
  EXPECT_THROW(client.get_job_async("wf", "job-1").get(), TransportError);
  EXPECT_THROW(client.create_job_async("wf", "p").get(), TransportError);
}

// Sets an environment variable for one test, and puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// libcurl counts a proxy's CONNECT in CURLINFO_REQUEST_SIZE: a tunnel refused with 502 was
// reported as "the request was sent, so the server may have acted on it".
TEST(ProxyTest, ATunnelRefusedByTheProxyIsNotSentAndNamesTheProxy) {
  testing::ScriptedServer proxy([](const std::string& request) {
    return request.rfind("CONNECT ", 0) == 0
               ? std::string("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
               : std::string("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  });
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  ScopedEnv https_proxy("https_proxy", proxy_url.c_str());
  ScopedEnv no_proxy("no_proxy", nullptr);
  ScopedEnv no_proxy_upper("NO_PROXY", nullptr);
  ClientOptions o;
  o.api_key = "sk-exactly-once";
  o.base_url = "https://127.0.0.1:9";  // never reached: the proxy refuses the tunnel to it
  o.retry.max_retries = 0;
  PixxelClient client(o);
  try {
    client.create_job("wf", "p");
    FAIL() << "the proxy refused the tunnel, yet the call succeeded";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.request_sent()) << e.what();
    EXPECT_FALSE(e.outcome_unknown()) << e.what();
    EXPECT_NE(
        std::string(e.what()).find("through the proxy 127.0.0.1:" + std::to_string(proxy.port())),
        std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("refused the tunnel (CONNECT answered 502)"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("may have acted"), std::string::npos) << e.what();
  }
  EXPECT_GE(proxy.request_count(), 1u);
}

// What each way a create_job can end says of its outcome, on a scripted transport.
struct OutcomeCase {
  const char* name;
  std::function<void(testing::FakeTransport&)> script;
  bool unknown;
};

class OutcomeTest : public ::testing::TestWithParam<OutcomeCase> {};

TEST_P(OutcomeTest, CreateJobSaysWhetherItsOutcomeIsUnknown) {
  auto transport = std::make_shared<testing::FakeTransport>();
  GetParam().script(*transport);
  ClientOptions o = fake_options(transport);
  PixxelClient client(o);
  const auto before = std::chrono::system_clock::now();
  try {
    client.create_job("wf", "p");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.outcome_unknown(), GetParam().unknown) << e.what();
    if (e.outcome_unknown()) {
      ASSERT_TRUE(e.sent_at().has_value());
      EXPECT_GE(*e.sent_at(), before);
      EXPECT_LE(*e.sent_at(), std::chrono::system_clock::now());
    }
  }
  // A request whose outcome is unknown is never sent again unasked.
  if (GetParam().unknown) {
    int posts = 0;
    for (const HttpRequest& r : transport->requests()) posts += r.method == "POST" ? 1 : 0;
    EXPECT_EQ(posts, 1);
  }
}

const std::string kJob = R"({"id":"job-1","status":"queued"})";

INSTANTIATE_TEST_SUITE_P(
    Answers, OutcomeTest,
    ::testing::Values(
        OutcomeCase{"ServerError500",
                    [](auto& fake) { fake.then_answer(500, R"({"error":{"message":"boom"}})"); },
                    true},
        OutcomeCase{"BadGateway502", [](auto& fake) { fake.then_answer(502, "bad gateway"); },
                    true},
        OutcomeCase{"GatewayTimeout504", [](auto& fake) { fake.then_answer(504, ""); }, true},
        OutcomeCase{"Unavailable503", [](auto& fake) { fake.then_answer(503, ""); }, false},
        OutcomeCase{"RateLimited429", [](auto& fake) { fake.then_answer(429, ""); }, false},
        OutcomeCase{"BadRequest400", [](auto& fake) { fake.then_answer(400, ""); }, false},
        OutcomeCase{"Forbidden403", [](auto& fake) { fake.then_answer(403, ""); }, false},
        OutcomeCase{"Conflict409", [](auto& fake) { fake.then_answer(409, ""); }, false},
        OutcomeCase{
            "SentWithoutAnswer",
            [](auto& fake) { fake.then_throw(TransportError("reset after sending", true)); }, true},
        OutcomeCase{"TimedOutAfterSending",
                    [](auto& fake) { fake.then_throw(TimeoutError("timed out", true)); }, true},
        OutcomeCase{
            "NeverSent",
            [](auto& fake) { fake.then_throw(TransportError("connection refused", false)); },
            false},
        OutcomeCase{"AnswerThatDoesNotDecode",
                    [](auto& fake) { fake.then_answer(200, R"({"message":"ok"})"); }, true},
        OutcomeCase{"AnswerThatIsNotJson", [](auto& fake) { fake.then_answer(201, "<html>"); },
                    true},
        OutcomeCase{"RedirectThenServerError",
                    [](auto& fake) {
                      fake.then_answer(303, "", {{"Location", "/v0/workflows/wf/jobs/job-1"}});
                      fake.then_answer(503, "");
                    },
                    true}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(OutcomeTest, AFailedGetIsNeverAnUnknownOutcome) {
  auto transport = std::make_shared<testing::FakeTransport>();
  transport->then_answer(500, "");
  ClientOptions o = fake_options(transport);
  o.retry.max_retries = 0;
  PixxelClient client(o);
  try {
    client.get_job("wf", "job-1");
    FAIL() << "expected an error";
  } catch (const ServerError& e) {
    EXPECT_FALSE(e.outcome_unknown());
  }
}

TEST(OutcomeTest, ACancelledSentPostIsAnUnknownOutcome) {
  auto transport = std::make_shared<testing::FakeTransport>();
  CancellationSource source;
  transport->then([&](const HttpRequest&) -> HttpResponse {
    source.cancel();
    throw CancelledError("cancelled mid-answer", true);
  });
  ClientOptions o = fake_options(transport);
  PixxelClient client(o);
  CallOptions call;
  call.cancel = source.token();
  try {
    client.create_job("wf", "p", call);
    FAIL() << "expected a CancelledError";
  } catch (const CancelledError& e) {
    EXPECT_TRUE(e.request_sent());
    EXPECT_TRUE(e.outcome_unknown()) << e.what();
    EXPECT_TRUE(e.sent_at().has_value());
  }
}

TEST(OutcomeTest, AnUnknownOutcomeOfAnEarlierAttemptIsNotForgottenByALaterAnswer) {
  auto transport = std::make_shared<testing::FakeTransport>();
  transport->then_throw(TimeoutError("timed out", true));
  transport->then_answer(400, "");
  ClientOptions o = fake_options(transport);
  o.retry.retry_non_idempotent = true;
  PixxelClient client(o);
  try {
    client.create_job("wf", "p");
    FAIL() << "expected an error";
  } catch (const BadRequestError& e) {
    EXPECT_TRUE(e.outcome_unknown());
  }
  EXPECT_EQ(transport->count(), 2u);
}

// find_jobs_created_since over a mocked list_jobs: one list per UTC day since `since`, then
// created_at; each job once, newest first, unreadable times last.
// `when` as text: "%Y-%m-%d" for a day, or an RFC 3339 time, in UTC.
std::string utc(std::chrono::system_clock::time_point when, const char* format) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

TEST(FindJobsCreatedSinceTest, ListsEachDaySinceThenAndKeepsWhatWasCreatedAfter) {
  using std::chrono::hours;
  using std::chrono::minutes;
  using ::testing::_;
  using ::testing::Field;
  using ::testing::Return;
  auto connection = std::make_shared<mocks::MockConnection>();
  const auto now = std::chrono::system_clock::now();
  const auto since = std::chrono::time_point_cast<std::chrono::seconds>(now - hours(30));
  auto job = [](std::string id, std::string created_at) {
    Job j;
    j.id = std::move(id);
    j.created_at = std::move(created_at);
    return j;
  };
  const char* kTime = "%Y-%m-%dT%H:%M:%SZ";
  const char* kSpaced = "%Y-%m-%d %H:%M:%S.5+00:00";
  // The UTC days from since's to today's, as a server a little ahead may see it.
  std::vector<std::string> days;
  for (auto day = since; utc(day, "%Y-%m-%d") <= utc(now + hours(1), "%Y-%m-%d");
       day += hours(24)) {
    days.push_back(utc(day, "%Y-%m-%d"));
  }
  ASSERT_GE(days.size(), 2u);
  EXPECT_CALL(*connection, list_jobs("wf", Field(&ListJobsQuery::created_on, days[0]), _))
      .WillOnce(Return(std::vector<Job>{job("old", utc(since - minutes(30), kTime)),
                                        job("a", utc(since + minutes(15), kSpaced))}));
  EXPECT_CALL(*connection, list_jobs("wf", Field(&ListJobsQuery::created_on, days[1]), _))
      .WillOnce(Return(std::vector<Job>{job("b", utc(since + hours(20), kTime)), job("x", ""),
                                        job("a", utc(since + minutes(15), kTime))}));
  for (std::size_t i = 2; i < days.size(); ++i) {
    EXPECT_CALL(*connection, list_jobs("wf", Field(&ListJobsQuery::created_on, days[i]), _))
        .WillOnce(Return(std::vector<Job>{}));
  }
  PixxelClient client(connection);
  std::vector<std::string> ids;
  for (const Job& j : client.find_jobs_created_since("wf", since)) ids.push_back(j.id);
  // Newest first, each once, the one created before `since` left out, an unreadable time last.
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "a", "x"}));
}

TEST(FindJobsCreatedSinceTest, MoreThanAWeekBackIsOneListWithoutADateFilter) {
  using ::testing::_;
  using ::testing::Field;
  using ::testing::Return;
  auto connection = std::make_shared<mocks::MockConnection>();
  const auto since = std::chrono::system_clock::now() - std::chrono::hours(24 * 30);
  Job recent;
  recent.id = "recent";
  recent.created_at = "2999-01-01T00:00:00Z";
  EXPECT_CALL(*connection, list_jobs("wf", Field(&ListJobsQuery::created_on, ""), _))
      .WillOnce(Return(std::vector<Job>{recent}));
  PixxelClient client(connection);
  ASSERT_EQ(client.find_jobs_created_since("wf", since).size(), 1u);
}

// The mock server's fail-after-create: every call whose job was stored but answered 500 says
// its outcome is unknown, and find_jobs_created_since lists its job; no job is created twice.
TEST(FindJobsCreatedSinceTest, FindsTheJobsOfCallsWhoseOutcomeIsUnknown) {
  mock::MockOptions mo;
  mo.fail_after_create_rate = 0.5;
  mo.seed = 19;
  mock::MockServer server(mo);
  server.start();
  ClientOptions o = plain_options(server.base_url());
  o.api_key = mo.api_key;
  PixxelClient client(o);
  constexpr int kCalls = 20;
  int returned = 0;
  std::vector<std::chrono::system_clock::time_point> unknown_since;
  for (int i = 0; i < kCalls; ++i) {
    try {
      client.create_job("wf-chaos", "p");
      ++returned;
    } catch (const Error& e) {
      ASSERT_TRUE(e.outcome_unknown()) << e.what();
      ASSERT_TRUE(e.sent_at().has_value());
      unknown_since.push_back(*e.sent_at());
    }
  }
  EXPECT_EQ(server.job_count(), static_cast<std::size_t>(kCalls)) << "a job was created twice";
  ASSERT_FALSE(unknown_since.empty()) << "no call met the fault";
  EXPECT_EQ(returned + static_cast<int>(unknown_since.size()), kCalls);
  // The candidates after the last unknown call: at least its own job, newest first.
  const std::vector<Job> candidates =
      client.find_jobs_created_since("wf-chaos", unknown_since.back());
  ASSERT_FALSE(candidates.empty());
  for (std::size_t i = 1; i < candidates.size(); ++i) {
    EXPECT_GE(candidates[i - 1].created_at, candidates[i].created_at);
  }
  const std::vector<Job> all = client.find_jobs_created_since("wf-chaos", unknown_since.front());
  EXPECT_GE(all.size(), candidates.size());
  EXPECT_LE(all.size(), static_cast<std::size_t>(kCalls));
}

}  // namespace
}  // namespace pixxel
