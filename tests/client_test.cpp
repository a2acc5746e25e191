// The client's logic through a fake transport: requests it builds, options it checks, errors
// it maps, redirects and events. No sockets, but for what only the real transport can show:
// that copies share one client.

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/fake_transport.hpp"
#include "support/http_date.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using testing::FakeTransport;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "sk-test-0123456789abcdef";
constexpr char kJobBody[] = R"({"id": "job-1", "status": "queued", "workflow_id": "wf-1",
  "tasks": [{"id": "t1", "name": "ingest", "progress": 0}]})";

class ClientTest : public ::testing::Test {
 protected:
  ClientOptions options(const std::string& base_url = "https://api.example.test") {
    ClientOptions o;
    o.api_key = kKey;
    o.base_url = base_url;
    o.transport = transport_;
    o.retry.max_retries = 0;
    return o;
  }

  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
};

TEST_F(ClientTest, CreateJobPostsToTheDocumentedPathWithProjectQuery) {
  transport_->then_answer(200, kJobBody);
  PixxelClient client(options());
  Job job = client.create_job("wf-1", "proj-1");
  EXPECT_EQ(job.id, "job-1");
  ASSERT_EQ(job.tasks.size(), 1u);
  EXPECT_EQ(job.tasks[0].name, "ingest");

  const HttpRequest request = transport_->last();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.example.test/v0/workflows/wf-1/jobs?project_id=proj-1");
  EXPECT_EQ(request.body, "");
}

TEST_F(ClientTest, SendsTheKeyVerbatimWithAcceptAndUserAgent) {
  transport_->then_answer(200, kJobBody);
  ClientOptions o = options();
  o.api_key = "Bearer pat-123";
  o.user_agent = "my-app/2.0";
  PixxelClient(o).create_job("wf-1", "p");

  const HttpRequest request = transport_->last();
  EXPECT_EQ(find_header(request.headers, "authorization"), "Bearer pat-123");
  EXPECT_EQ(find_header(request.headers, "Accept"), "application/json");
  EXPECT_EQ(find_header(request.headers, "User-Agent"),
            std::string("pixxel-cpp/") + PIXXEL_VERSION_STRING + " my-app/2.0");
}

TEST_F(ClientTest, UserAgentWithoutSuffixIsJustTheSdk) {
  transport_->then_answer(200, kJobBody);
  PixxelClient(options()).create_job("wf-1", "p");
  EXPECT_EQ(find_header(transport_->last().headers, "User-Agent"),
            std::string("pixxel-cpp/") + version());
}

TEST_F(ClientTest, PassesTimeoutsAndSizeCapToTheTransport) {
  transport_->then_answer(200, kJobBody);
  ClientOptions o = options();
  o.connect_timeout = std::chrono::milliseconds(1234);
  o.timeout = std::chrono::milliseconds(5678);
  o.max_response_bytes = 4321;
  PixxelClient(o).create_job("wf-1", "p");
  const HttpRequest request = transport_->last();
  EXPECT_EQ(request.connect_timeout.count(), 1234);
  EXPECT_EQ(request.timeout.count(), 5678);
  EXPECT_EQ(request.max_response_bytes, 4321u);
}

TEST_F(ClientTest, PercentEncodesIdsAsOnePathSegmentAndOneQueryValue) {
  transport_->then_answer(200, kJobBody);
  PixxelClient(options()).create_job("a b/c?d#e%f..", "p&q=r/s t");
  EXPECT_EQ(transport_->last().url,
            "https://api.example.test/v0/workflows/a%20b%2Fc%3Fd%23e%25f../jobs"
            "?project_id=p%26q%3Dr%2Fs%20t");
}

TEST_F(ClientTest, PercentEncodesUtf8Bytes) {
  transport_->then_answer(200, kJobBody);
  PixxelClient(options()).create_job("wf-\xC3\xA9", "p");
  EXPECT_EQ(transport_->last().url,
            "https://api.example.test/v0/workflows/wf-%C3%A9/jobs?project_id=p");
}

TEST_F(ClientTest, RejectsBadIdsBeforeAnyRequest) {
  transport_->then_answer(200, kJobBody);
  PixxelClient client(options());
  EXPECT_THROW(client.create_job("", "p"), InvalidArgumentError);
  EXPECT_THROW(client.create_job("wf", ""), InvalidArgumentError);
  EXPECT_THROW(client.create_job(".", "p"), InvalidArgumentError);
  EXPECT_THROW(client.create_job("..", "p"), InvalidArgumentError);
  EXPECT_THROW(client.create_job("wf\r\nX-Evil: 1", "p"), InvalidArgumentError);
  EXPECT_THROW(client.create_job("wf", "p\n"), InvalidArgumentError);
  EXPECT_THROW(client.create_job(std::string("wf\0x", 4), "p"), InvalidArgumentError);
  EXPECT_THROW(client.create_job("wf\x7f", "p"), InvalidArgumentError);
  EXPECT_EQ(transport_->count(), 0u);
}

TEST_F(ClientTest, InvalidArgumentNamesTheParameter) {
  PixxelClient client(options());
  try {
    client.create_job("wf", "");
    FAIL() << "expected InvalidArgumentError";
  } catch (const InvalidArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("project_id"));
  }
}

TEST_F(ClientTest, TrailingSlashOnBaseUrlIsHarmlessAndPathPrefixIsKept) {
  transport_->then_answer(200, kJobBody);
  PixxelClient(options("https://gw.example.test/pixxel//")).create_job("wf", "p");
  EXPECT_EQ(transport_->last().url,
            "https://gw.example.test/pixxel/v0/workflows/wf/jobs?project_id=p");
  EXPECT_EQ(PixxelClient(options("https://api.example.test/")).base_url(),
            "https://api.example.test");
}

class EnvironmentTest : public ClientTest {
 protected:
  void SetUp() override {
    ::unsetenv("PIXXEL_API_KEY");
    ::unsetenv("PIXXEL_BASE_URL");
  }
  void TearDown() override { SetUp(); }
};

TEST_F(EnvironmentTest, KeyAndBaseUrlComeFromTheEnvironment) {
  ::setenv("PIXXEL_API_KEY", "env-key", 1);
  ::setenv("PIXXEL_BASE_URL", "https://env.example.test/", 1);
  transport_->then_answer(200, kJobBody);
  ClientOptions o;
  o.transport = transport_;
  PixxelClient client(o);
  EXPECT_EQ(client.base_url(), "https://env.example.test");
  client.create_job("wf", "p");
  EXPECT_EQ(find_header(transport_->last().headers, "Authorization"), "env-key");
}

TEST_F(EnvironmentTest, OptionsWinOverTheEnvironment) {
  ::setenv("PIXXEL_API_KEY", "env-key", 1);
  ::setenv("PIXXEL_BASE_URL", "https://env.example.test", 1);
  transport_->then_answer(200, kJobBody);
  PixxelClient client(options("https://opt.example.test"));
  EXPECT_EQ(client.base_url(), "https://opt.example.test");
  client.create_job("wf", "p");
  EXPECT_EQ(find_header(transport_->last().headers, "Authorization"), kKey);
}

TEST_F(EnvironmentTest, DefaultBaseUrlIsPixxel) {
  ClientOptions o;
  o.api_key = kKey;
  o.transport = transport_;
  EXPECT_EQ(PixxelClient(o).base_url(), "https://api.pixxel.space");
}

TEST_F(EnvironmentTest, NoKeyAnywhereIsAConfigurationError) {
  ClientOptions o;
  o.transport = transport_;
  EXPECT_THROW(PixxelClient{o}, ConfigurationError);
}

TEST_F(ClientTest, RejectsBadConfiguration) {
  auto rejects = [&](ClientOptions o) { EXPECT_THROW(PixxelClient{o}, ConfigurationError); };
  ClientOptions o = options();
  o.api_key = "key\r\nX-Injected: 1";
  rejects(o);
  o = options();
  o.user_agent = "app\nX-Injected: 1";
  rejects(o);
  rejects(options("ftp://api.example.test"));
  rejects(options("api.example.test"));
  rejects(options("https://"));
  rejects(options("https://user:pass@api.example.test"));
  rejects(options("https://api.example.test:99999"));
  rejects(options("https://api.example.test/?x=1"));
  rejects(options("https://api.example.test/#frag"));
  rejects(options("https://api.exa mple.test"));
  o = options();
  o.timeout = std::chrono::milliseconds(-1);
  rejects(o);
  o = options();
  o.connect_timeout = std::chrono::milliseconds(-1);
  rejects(o);
  o = options();
  o.retry.max_retries = -1;
  rejects(o);
  o = options();
  o.retry.multiplier = 0.5;
  rejects(o);
  o = options();
  o.max_response_bytes = 0;
  rejects(o);
}

TEST_F(ClientTest, PlainHttpIsOnlyForLoopbackUnlessAllowed) {
  EXPECT_THROW(PixxelClient{options("http://api.example.test")}, ConfigurationError);
  EXPECT_THROW(PixxelClient{options("http://127.0.0.1.example.test")}, ConfigurationError);
  EXPECT_THROW(PixxelClient{options("http://127.-0.0.1")}, ConfigurationError);  // a DNS name
  EXPECT_THROW(PixxelClient{options("http://127.+1.0.1")}, ConfigurationError);
  EXPECT_NO_THROW(PixxelClient{options("http://localhost:8080")});
  EXPECT_NO_THROW(PixxelClient{options("http://127.0.0.1:8080")});
  EXPECT_NO_THROW(PixxelClient{options("http://127.1.2.3")});
  EXPECT_NO_THROW(PixxelClient{options("http://[::1]:8080")});
  ClientOptions o = options("http://api.example.test");
  o.allow_insecure_http = true;
  EXPECT_NO_THROW(PixxelClient{o});
}

TEST_F(EnvironmentTest, NoKeyAnywhereNamesApiKeyAsTheOptionAtFault) {
  ClientOptions o;
  o.transport = transport_;
  try {
    PixxelClient client(o);
    FAIL() << "expected ConfigurationError";
  } catch (const ConfigurationError& e) {
    EXPECT_EQ(e.option(), "api_key");
  }
}

TEST_F(ClientTest, ConfigurationErrorNamesTheOptionAtFault) {
  auto option_of = [](const ClientOptions& o) -> std::string {
    try {
      PixxelClient client(o);
    } catch (const ConfigurationError& e) {
      return e.option();
    }
    return "(accepted)";
  };
  ClientOptions o = options();
  o.api_key = "key\r\nX-Injected: 1";
  EXPECT_EQ(option_of(o), "api_key");
  EXPECT_EQ(option_of(options("ftp://api.example.test")), "base_url");
  EXPECT_EQ(option_of(options("https://api.example.test/?x=1")), "base_url");
  EXPECT_EQ(option_of(options("http://api.example.test")), "allow_insecure_http");
  o = options();
  o.timeout = std::chrono::milliseconds(-1);
  EXPECT_EQ(option_of(o), "timeout");
  o = options();
  o.connect_timeout = std::chrono::milliseconds(-1);
  EXPECT_EQ(option_of(o), "connect_timeout");
  o = options();
  o.retry.max_retries = -1;
  EXPECT_EQ(option_of(o), "retry");
  o = options();
  o.user_agent = "app\n";
  EXPECT_EQ(option_of(o), "user_agent");
  o = options();
  o.max_response_bytes = 0;
  EXPECT_EQ(option_of(o), "max_response_bytes");
  o = options();
  o.verify_tls = false;  // beside a custom transport
  EXPECT_EQ(option_of(o), "verify_tls");
  o = options("http://api.example.test");
  o.allow_insecure_http = true;
  EXPECT_EQ(option_of(o), "(accepted)");
}

TEST_F(ClientTest, ConfigurationErrorsNeverShowTheKey) {
  ClientOptions o = options();
  o.api_key = std::string(kKey) + "\n";
  try {
    PixxelClient client(o);
    FAIL() << "expected ConfigurationError";
  } catch (const ConfigurationError& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr(kKey)));
  }
}

TEST_F(ClientTest, ConstructionDoesNoIo) {
  PixxelClient client(options());
  EXPECT_EQ(transport_->count(), 0u);
}

TEST_F(ClientTest, CopiesShareOneClient) {
  // Each client made from options has its own libcurl transport and so its own connections;
  // a copy uses the original's. A transport given in the options would be shared by any
  // two clients, so this uses the default one, against a loopback server.
  testing::TestServer server;
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))",
                    [](const httplib::Request&, httplib::Response& res) {
                      res.set_content(kJobBody, "application/json");
                    });
  server.start();
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = server.url();
  PixxelClient a(o);
  PixxelClient copy = a;
  PixxelClient assigned(o);
  assigned = a;
  PixxelClient other(o);
  a.get_job("wf", "job-1");
  copy.get_job("wf", "job-1");
  assigned.get_job("wf", "job-1");
  EXPECT_EQ(server.connection_count(), 1u);
  other.get_job("wf", "job-1");
  EXPECT_EQ(server.connection_count(), 2u);
  EXPECT_EQ(server.request_count(), 4u);
}

// --- error mapping --------------------------------------------------------------------

struct StatusCase {
  int status;
  const char* type;
};

class StatusMappingTest : public ClientTest, public ::testing::WithParamInterface<StatusCase> {};

std::string error_type(int status, const std::shared_ptr<FakeTransport>& fake, ClientOptions o) {
  fake->then_answer(status, R"({"error": {"code": "c", "message": "m"}})");
  try {
    PixxelClient(o).create_job("wf", "p");
  } catch (const BadRequestError&) {
    return "BadRequestError";
  } catch (const AuthenticationError&) {
    return "AuthenticationError";
  } catch (const PermissionDeniedError&) {
    return "PermissionDeniedError";
  } catch (const NotFoundError&) {
    return "NotFoundError";
  } catch (const ConflictError&) {
    return "ConflictError";
  } catch (const UnprocessableEntityError&) {
    return "UnprocessableEntityError";
  } catch (const RateLimitError&) {
    return "RateLimitError";
  } catch (const ServerError&) {
    return "ServerError";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status_code(), status);
    return "ApiError";
  }
  return "nothing";
}

TEST_P(StatusMappingTest, MapsStatusToItsErrorClass) {
  EXPECT_EQ(error_type(GetParam().status, transport_, options()), GetParam().type);
}

INSTANTIATE_TEST_SUITE_P(
    AllStatuses, StatusMappingTest,
    ::testing::Values(StatusCase{400, "BadRequestError"}, StatusCase{401, "AuthenticationError"},
                      StatusCase{403, "PermissionDeniedError"}, StatusCase{404, "NotFoundError"},
                      StatusCase{409, "ConflictError"}, StatusCase{422, "UnprocessableEntityError"},
                      StatusCase{429, "RateLimitError"}, StatusCase{500, "ServerError"},
                      StatusCase{502, "ServerError"}, StatusCase{503, "ServerError"},
                      StatusCase{599, "ServerError"}, StatusCase{405, "ApiError"},
                      StatusCase{418, "ApiError"}, StatusCase{304, "ApiError"},
                      StatusCase{600, "ApiError"}));

template <typename E = ApiError>
E catch_error(PixxelClient client) {
  try {
    client.create_job("wf", "p");
  } catch (const E& e) {
    return e;
  }
  throw std::logic_error("the call did not throw the expected error");
}

TEST_F(ClientTest, ApiErrorReadsTheDocumentedErrorBody) {
  const std::string body =
      R"({"error": {"code": "invalid_project", "message": "project p is unknown",
          "details": {"field": "project_id"}}})";
  transport_->then_answer(400, body, {{"x-request-id", "req-42"}});
  auto e = catch_error<BadRequestError>(PixxelClient(options()));
  EXPECT_EQ(e.status_code(), 400);
  EXPECT_EQ(e.code(), "invalid_project");
  EXPECT_EQ(e.message(), "project p is unknown");
  EXPECT_EQ(e.details(), nlohmann::json({{"field", "project_id"}}));
  EXPECT_EQ(e.body(), body);
  EXPECT_EQ(e.request_id(), "req-42");
  EXPECT_FALSE(e.retry_after().has_value());
  EXPECT_THAT(e.what(), HasSubstr("400"));
  EXPECT_THAT(e.what(), HasSubstr("project p is unknown"));
  EXPECT_THAT(e.what(), HasSubstr("req-42"));
}

TEST_F(ClientTest, ApiErrorMessageFallsBackToTopLevelMessageThenErrorStringThenReason) {
  transport_->then_answer(403, R"({"message": "top-level message"})");
  EXPECT_EQ(catch_error(PixxelClient(options())).message(), "top-level message");

  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(403, R"({"error": "plain error string"})");
  EXPECT_EQ(catch_error(PixxelClient(options())).message(), "plain error string");

  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(404, "<html>not json</html>");
  auto e = catch_error(PixxelClient(options()));
  EXPECT_EQ(e.message(), "Not Found");
  EXPECT_EQ(e.code(), "");
  EXPECT_TRUE(e.details().is_null());
  EXPECT_EQ(e.body(), "<html>not json</html>");
  EXPECT_EQ(e.request_id(), "");
}

TEST_F(ClientTest, ApiErrorKeepsANumericCode) {
  transport_->then_answer(409, R"({"error": {"code": 1234, "message": "busy"}})");
  EXPECT_EQ(catch_error<ConflictError>(PixxelClient(options())).code(), "1234");
}

TEST_F(ClientTest, RateLimitErrorReadsRetryAfterSeconds) {
  transport_->then_answer(429, "{}", {{"Retry-After", "7"}});
  auto e = catch_error<RateLimitError>(PixxelClient(options()));
  ASSERT_TRUE(e.retry_after().has_value());
  EXPECT_EQ(e.retry_after()->count(), 7000);
}

TEST_F(ClientTest, RateLimitErrorReadsRetryAfterHttpDate) {
  // Truncated to whole seconds: the wait is up to a second shorter.
  const std::string date = testing::http_date_in(std::chrono::seconds(30));
  transport_->then_answer(429, "{}", {{"retry-after", date}});
  auto e = catch_error<RateLimitError>(PixxelClient(options()));
  ASSERT_TRUE(e.retry_after().has_value());
  EXPECT_GT(e.retry_after()->count(), 28000);
  EXPECT_LE(e.retry_after()->count(), 30000);
}

TEST_F(ClientTest, RetryAfterInThePastIsZeroAndGarbageIsAbsent) {
  transport_->then_answer(429, "{}", {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}});
  EXPECT_EQ(catch_error<RateLimitError>(PixxelClient(options())).retry_after()->count(), 0);
  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(429, "{}", {{"Retry-After", "soon"}});
  EXPECT_FALSE(catch_error<RateLimitError>(PixxelClient(options())).retry_after().has_value());
}

TEST_F(ClientTest, RetryAfterAcceptsRfc850AndAsctimeDates) {
  transport_->then_answer(429, "{}", {{"Retry-After", "Sunday, 06-Nov-94 08:49:37 GMT"}});
  EXPECT_EQ(catch_error<RateLimitError>(PixxelClient(options())).retry_after()->count(), 0);
  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(429, "{}", {{"Retry-After", "Sun Nov  6 08:49:37 1994"}});
  EXPECT_EQ(catch_error<RateLimitError>(PixxelClient(options())).retry_after()->count(), 0);
}

TEST_F(ClientTest, ErrorsNeverEchoTheKey) {
  const std::string echo =
      std::string(R"({"error": {"code": "forbidden", "message": "bad key )") + kKey + R"("}})";
  transport_->then_answer(403, echo, {{"X-Request-Id", kKey}});
  auto e = catch_error<PermissionDeniedError>(PixxelClient(options()));
  EXPECT_THAT(e.what(), Not(HasSubstr(kKey)));
  EXPECT_THAT(e.message(), Not(HasSubstr(kKey)));
  EXPECT_THAT(e.body(), Not(HasSubstr(kKey)));
  EXPECT_THAT(e.request_id(), Not(HasSubstr(kKey)));
  EXPECT_THAT(e.message(), HasSubstr("bad key ***"));
}

TEST_F(ClientTest, UndecodableSuccessIsADecodeErrorWithStatusRequestIdAndPath) {
  transport_->then_answer(200, R"({"id": "j", "tasks": [{}, {"progress": {"x": 1}}]})",
                          {{"X-Request-Id", "req-7"}});
  try {
    PixxelClient(options()).create_job("wf", "p");
    FAIL() << "expected DecodeError";
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.path(), "tasks[1].progress");
    EXPECT_EQ(e.status_code(), 200);
    EXPECT_EQ(e.request_id(), "req-7");
    EXPECT_THAT(e.what(), HasSubstr("tasks[1].progress"));
    EXPECT_THAT(e.what(), HasSubstr("200"));
    EXPECT_THAT(e.what(), HasSubstr("req-7"));
  }
}

TEST_F(ClientTest, NonJsonSuccessIsADecodeErrorOfTheWholeBody) {
  transport_->then_answer(200, "<html>maintenance</html>");
  try {
    PixxelClient(options()).create_job("wf", "p");
    FAIL() << "expected DecodeError";
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.path(), "");
    EXPECT_EQ(e.status_code(), 200);
  }
}

TEST_F(ClientTest, TransportErrorsPassThroughTyped) {
  transport_->then_throw(TimeoutError("timed out", true));
  EXPECT_THROW(PixxelClient(options()).create_job("wf", "p"), TimeoutError);
  transport_ = std::make_shared<FakeTransport>();
  transport_->then_throw(ResponseTooLargeError("too large", 10));
  EXPECT_THROW(PixxelClient(options()).create_job("wf", "p"), ResponseTooLargeError);
}

// --- redirects -------------------------------------------------------------------------

TEST_F(ClientTest, SameOriginRedirectKeepsTheKeyAndMethod) {
  transport_->then_answer(307, "", {{"Location", "/v1/workflows/wf/jobs?project_id=p"}});
  transport_->then_answer(200, kJobBody);
  PixxelClient(options()).create_job("wf", "p");
  auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].url, "https://api.example.test/v1/workflows/wf/jobs?project_id=p");
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(find_header(requests[1].headers, "Authorization"), kKey);
}

TEST_F(ClientTest, RedirectToAnotherHostPortOrSchemeDropsTheKey) {
  for (const char* target : {"https://evil.example.test/x", "https://api.example.test:8443/x",
                             "http://api.example.test/x", "//evil.example.test/x"}) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(308, "", {{"Location", target}});
    transport_->then_answer(200, kJobBody);
    ClientOptions o = options();
    o.allow_insecure_http = true;  // for the hop to http://
    PixxelClient(o).create_job("wf", "p");
    auto requests = transport_->requests();
    ASSERT_EQ(requests.size(), 2u) << target;
    EXPECT_FALSE(find_header(requests[1].headers, "Authorization").has_value()) << target;
  }
}

TEST_F(ClientTest, KeyStaysDroppedAfterRedirectingBack) {
  transport_->then_answer(307, "", {{"Location", "https://other.example.test/x"}});
  transport_->then_answer(307, "", {{"Location", "https://api.example.test/y"}});
  transport_->then_answer(200, kJobBody);
  PixxelClient(options()).create_job("wf", "p");
  EXPECT_FALSE(find_header(transport_->last().headers, "Authorization").has_value());
}

TEST_F(ClientTest, SeeOtherTurnsPostIntoGet) {
  transport_->then_answer(303, "", {{"Location", "/v0/workflows/wf/jobs/job-1"}});
  transport_->then_answer(200, kJobBody);
  PixxelClient(options()).create_job("wf", "p");
  EXPECT_EQ(transport_->last().method, "GET");
}

TEST_F(ClientTest, TooManyRedirectsIsATransportError) {
  transport_->then_answer(307, "", {{"Location", "/again"}});
  EXPECT_THROW(PixxelClient(options()).create_job("wf", "p"), TransportError);
  EXPECT_EQ(transport_->count(), 6u);
}

TEST_F(ClientTest, RedirectWithoutUsableLocationIsAnApiError) {
  transport_->then_answer(302, "");
  EXPECT_EQ(catch_error(PixxelClient(options())).status_code(), 302);
  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(302, "", {{"Location", "ftp://files.example.test/x"}});
  EXPECT_EQ(catch_error(PixxelClient(options())).status_code(), 302);
}

// --- events ----------------------------------------------------------------------------

TEST_F(ClientTest, ReportsEachAttemptWithTheKeyRedacted) {
  transport_->then_answer(404, R"({"error": {"message": "no such workflow"}})");
  std::vector<RequestEvent> events;
  ClientOptions o = options();
  o.on_request = [&](const RequestEvent& e) { events.push_back(e); };
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), NotFoundError);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].method, "POST");
  EXPECT_EQ(events[0].url, "https://api.example.test/v0/workflows/wf/jobs?project_id=p");
  EXPECT_EQ(events[0].attempt, 1);
  EXPECT_EQ(events[0].status_code, 404);
  EXPECT_THAT(events[0].error, HasSubstr("no such workflow"));
  EXPECT_EQ(find_header(events[0].request_headers, "Authorization"), "***");
  for (const auto& [name, value] : events[0].request_headers) {
    EXPECT_THAT(value, Not(HasSubstr(kKey))) << name;
  }
}

TEST_F(ClientTest, ReportsATransportFailureWithStatusZero) {
  transport_->then_throw(TransportError("connection reset", true));
  std::vector<RequestEvent> events;
  ClientOptions o = options();
  o.on_request = [&](const RequestEvent& e) { events.push_back(e); };
  EXPECT_THROW(PixxelClient(o).create_job("wf", "p"), TransportError);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status_code, 0);
  EXPECT_THAT(events[0].error, HasSubstr("connection reset"));
}

TEST_F(ClientTest, AThrowingObserverDoesNotFailTheCall) {
  transport_->then_answer(200, kJobBody);
  ClientOptions o = options();
  o.on_request = [](const RequestEvent&) { throw std::runtime_error("observer bug"); };
  EXPECT_EQ(PixxelClient(o).create_job("wf", "p").id, "job-1");
}

}  // namespace
}  // namespace pixxel

namespace pixxel {
namespace {

// Found by fuzzing: a Location whose query holds "://" is still a relative reference.
TEST_F(ClientTest, RedirectWithAUrlInItsQueryIsFollowedOnTheSameOrigin) {
  transport_->then_answer(307, "", {{"Location", "/next?from=https://elsewhere.test/x"}});
  transport_->then_answer(200, kJobBody);
  PixxelClient(options()).create_job("wf", "p");
  EXPECT_EQ(transport_->last().url, "https://api.example.test/next?from=https://elsewhere.test/x");
  EXPECT_EQ(find_header(transport_->last().headers, "Authorization"), kKey);
}

// Found by fuzzing: redacting "a*" out of "aa*" once leaves "a***", which holds it again.
TEST_F(ClientTest, RedactionLeavesNoCopyOfAKeyThatOverlapsItsMask) {
  transport_->then_answer(403, R"({"error": {"message": "key aa* rejected"}})");
  ClientOptions o = options();
  o.api_key = "a*";
  auto e = catch_error<PermissionDeniedError>(PixxelClient(o));
  EXPECT_THAT(e.what(), Not(HasSubstr("a*")));
  EXPECT_THAT(e.message(), Not(HasSubstr("a*")));
}

}  // namespace
}  // namespace pixxel

namespace pixxel {
namespace {

// --- the key in every spelling, on every hop -------------------------------------------

// Whether `text` holds any `n` consecutive bytes of `key`: a clipped key is still a leak.
bool holds_piece_of(const std::string& text, const std::string& key, std::size_t n = 8) {
  for (std::size_t i = 0; i + n <= key.size(); ++i) {
    if (text.find(key.substr(i, n)) != std::string::npos) return true;
  }
  return false;
}

TEST_F(ClientTest, AKeyARedirectPutsInTheUrlIsInNoErrorOrEvent) {
  const std::string key = "sk-live/Zq8+Xw3=Lm9Tt2Rr5Yy7";
  for (const std::string& location :
       {"/next?token=" + key, std::string("/next?token=sk-live%2FZq8%2BXw3%3DLm9Tt2Rr5Yy7"),
        "/next/" + key + "/x?a=b"}) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(307, "", {{"Location", location}});
    std::vector<RequestEvent> events;
    ClientOptions o = options();
    o.api_key = key;
    o.on_request = [&](const RequestEvent& e) { events.push_back(e); };
    try {
      PixxelClient(o).create_job("wf", "p");
      ADD_FAILURE() << location << ": expected a TransportError";
    } catch (const TransportError& e) {
      EXPECT_THAT(e.what(), HasSubstr("more than 5 redirects")) << location;
      EXPECT_FALSE(holds_piece_of(e.what(), key)) << e.what();
      EXPECT_THAT(e.what(), Not(HasSubstr("sk-live%2F"))) << e.what();
    }
    ASSERT_EQ(events.size(), 1u);
    EXPECT_FALSE(holds_piece_of(events[0].error, key)) << events[0].error;
    EXPECT_FALSE(holds_piece_of(events[0].url, key)) << events[0].url;
  }
}

TEST_F(ClientTest, TheTokenOfAKeyWithAnAuthorizationSchemeIsRedactedOnItsOwn) {
  const std::string token = "sk-tok-0123456789abcdef";
  transport_->then_answer(307, "", {{"Location", "/next?token=" + token}});
  ClientOptions o = options();
  o.api_key = "Bearer " + token;
  try {
    PixxelClient(o).create_job("wf", "p");
    FAIL() << "expected a TransportError";
  } catch (const TransportError& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr(token)));
    EXPECT_THAT(e.what(), HasSubstr("token=***"));
  }
  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(403, R"({"error": {"message": "token )" + token + R"( expired"}})");
  o.transport = transport_;
  auto e = catch_error<PermissionDeniedError>(PixxelClient(o));
  EXPECT_EQ(e.message(), "token *** expired");
  EXPECT_THAT(e.body(), Not(HasSubstr(token)));
}

TEST_F(ClientTest, TransportErrorsAreRedactedAndKeepTheirType) {
  // A transport that names the URL it failed on, as libcurl's does.
  transport_->then_answer(307, "", {{"Location", std::string("/next?token=") + kKey}});
  transport_->then([](const HttpRequest& r) -> HttpResponse {
    throw TimeoutError(r.method + " " + r.url + ": timed out", false);
  });
  std::vector<RequestEvent> events;
  ClientOptions o = options();
  o.on_request = [&](const RequestEvent& e) { events.push_back(e); };
  try {
    PixxelClient(o).create_job("wf", "p");
    FAIL() << "expected a TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_EQ(std::string(e.what()), "POST https://api.example.test/next?token=***: timed out");
    // The POST was answered (307) before the hop that timed out: it reached the server.
    EXPECT_TRUE(e.request_sent());
    EXPECT_TRUE(e.outcome_unknown());
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_THAT(events[0].error, Not(HasSubstr(kKey)));
  EXPECT_THAT(events[0].error, HasSubstr("timed out"));

  transport_ = std::make_shared<FakeTransport>();
  transport_->then_throw(ResponseTooLargeError(std::string("too large at ") + kKey, 10));
  try {
    PixxelClient(options()).create_job("wf", "p");
    FAIL() << "expected a ResponseTooLargeError";
  } catch (const ResponseTooLargeError& e) {
    EXPECT_EQ(std::string(e.what()), "too large at ***");
    EXPECT_EQ(e.limit(), 10u);
  }
}

TEST_F(ClientTest, ADecodeErrorRedactsTheKeyBeforeClippingTheValue) {
  const std::string key = "sk-live-7Hq2Lm9Xw3Zp8Rt5Yc1Vb6Nn4Kd0Gf2Js8";
  // 100 characters, the key from offset 30: a clip at 40 bytes would cut it in two.
  std::string value = std::string(30, '.') + key;
  value += std::string(100 - value.size(), '.');
  for (const std::string& written : {value, std::string(30, '.') + "\\u0073" + key.substr(1) +
                                                std::string(100 - 30 - key.size(), '.')}) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(200, R"({"id": "j", "cost": ")" + written + R"("})");
    ClientOptions o = options();
    o.api_key = key;
    try {
      PixxelClient(o).create_job("wf", "p");
      FAIL() << "expected a DecodeError";
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.path(), "cost");
      EXPECT_FALSE(holds_piece_of(e.what(), key)) << e.what();
      EXPECT_FALSE(holds_piece_of(e.reason(), key)) << e.reason();
      EXPECT_THAT(e.reason(), HasSubstr(std::string(30, '.') + "***"));
    }
  }
}

TEST_F(ClientTest, AParserMessageIsRedactedBeforeItIsClipped) {
  const std::string key = "sk-live-7Hq2Lm9Xw3Zp8Rt5Yc1Vb6Nn4Kd0Gf2Js8";
  ClientOptions o = options();
  o.api_key = key;
  // nlohmann's message quotes the string read so far; one of these paddings puts the key
  // across the 300-byte clip of the message.
  for (std::size_t pad = 0; pad <= 320; pad += 4) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(200, R"({"id": ")" + std::string(pad, 'p') + key + "\x01\"}");
    o.transport = transport_;
    try {
      PixxelClient(o).create_job("wf", "p");
      FAIL() << "expected a DecodeError";
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.path(), "");
      EXPECT_FALSE(holds_piece_of(e.what(), key)) << "pad " << pad << ": " << e.what();
    }
  }
}

struct EscapedKey {
  std::string key;
  std::string spelled;  // in a JSON string
};

TEST_F(ClientTest, ApiErrorBodyHoldsTheKeyInNoJsonSpelling) {
  const EscapedKey cases[] = {
      {"sk-live/4f8a2c9e1b7d", R"(sk-live\/4f8a2c9e1b7d)"},
      {"sk-live-4f8a2c9e1b7d", R"(\u0073k-live-4f8a2c9e1b7d)"},
      {"sk-live-4f8a2c9e1b7d", R"(\u0073\u006B-live-4f8a2c9e1b7\u0064)"},
      {"sk-li\"ve\\4f8a2c9e1b7d", R"(sk-li\"ve\\4f8a2c9e1b7d)"},
      {"sk-lïve-4f8a2c9e1b7d", R"(sk-l\u00efve-4f8a2c9e1b7d)"},
      {"sk-live-\xF0\x9F\x98\x80-4f8a2c9e", R"(sk-live-\ud83d\ude00-4f8a2c9e)"},
  };
  for (const auto& [key, spelled] : cases) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(400, R"({"error": {"code": "bad_key", "message": "key )" + spelled +
                                     R"( rejected", "details": {"key": ")" + spelled +
                                     R"("}}, "other": "kept"})");
    ClientOptions o = options();
    o.api_key = key;
    auto e = catch_error<BadRequestError>(PixxelClient(o));
    EXPECT_THAT(e.body(), Not(HasSubstr(key))) << spelled;
    const auto body = nlohmann::json::parse(e.body(), nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(body.is_object()) << e.body();
    EXPECT_THAT(body.dump(-1, ' ', /*ensure_ascii=*/false), Not(HasSubstr(key))) << e.body();
    EXPECT_EQ(body["other"], "kept");
    EXPECT_EQ(e.code(), "bad_key");
    EXPECT_EQ(e.message(), "key *** rejected") << spelled;
    EXPECT_THAT(e.details().dump(-1, ' ', false), Not(HasSubstr(key)));
    EXPECT_THAT(e.what(), Not(HasSubstr(key)));
  }
}

TEST_F(ClientTest, RedirectToPlainHttpOnAnotherHostIsRefusedAndNotRetried) {
  for (const char* target :
       {"http://nonloopback.invalid/v0/x", "http://api.example.test/v0/x", "//x.invalid:80/"}) {
    for (bool get : {false, true}) {
      transport_ = std::make_shared<FakeTransport>();
      transport_->then_answer(307, "", {{"Location", target}});
      ClientOptions o =
          options(target[0] == '/' ? "http://127.0.0.1:8080" : "https://api.example.test");
      o.retry.max_retries = 2;
      o.retry.initial_backoff = std::chrono::milliseconds(1);
      try {
        PixxelClient client(o);
        if (get) {
          client.get_job("wf", "j");
        } else {
          client.create_job("wf", "p");
        }
        ADD_FAILURE() << target << ": expected a TransportError";
      } catch (const TransportError& e) {
        EXPECT_THAT(e.what(), HasSubstr("refused to follow a redirect to plain http")) << target;
        EXPECT_THAT(e.what(), HasSubstr("allow_insecure_http"));
        EXPECT_TRUE(e.request_sent());
      }
      // One request: the hop was never sent, and the same redirect is not asked for again.
      EXPECT_EQ(transport_->count(), 1u) << target;
    }
  }
}

TEST_F(ClientTest, RedirectToPlainHttpIsFollowedOnLoopbackOrWhenAllowed) {
  transport_->then_answer(307, "", {{"Location", "http://127.0.0.1:9/x"}});
  transport_->then_answer(200, kJobBody);
  PixxelClient(options()).create_job("wf", "p");
  EXPECT_EQ(transport_->last().url, "http://127.0.0.1:9/x");

  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(307, "", {{"Location", "http://nonloopback.invalid/x"}});
  transport_->then_answer(200, kJobBody);
  ClientOptions o = options();
  o.allow_insecure_http = true;
  PixxelClient(o).create_job("wf", "p");
  EXPECT_EQ(transport_->last().url, "http://nonloopback.invalid/x");
  EXPECT_FALSE(find_header(transport_->last().headers, "Authorization").has_value());
}

}  // namespace
}  // namespace pixxel
