// The API key is a credential: it never appears in an error, an event or a log line, never
// reaches another origin, and neither it nor any argument can inject a header.

#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "pixxel/pixxel.hpp"
#include "support/fake_transport.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScriptedServer;
using testing::TestServer;

const std::string kKey = "sk-SECRET-4c1f9e0b7d2a";

class KeyLeakTest : public ::testing::Test {
 protected:
  ClientOptions options(const std::string& url) {
    ClientOptions o;
    o.api_key = kKey;
    o.base_url = url;
    // Generous: nothing here waits for it, and a sanitizer build runs the redirect loop slowly.
    o.timeout = 30s;
    o.connect_timeout = 300ms;
    o.retry.max_retries = 1;
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 1ms;
    o.on_request = [this](const RequestEvent& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(e);
    };
    return o;
  }

  // Runs `call`, which must throw a pixxel::Error (whose what() holds `expected`), and
  // checks that neither the error nor any event carries the key.
  void expect_no_leak(const std::string& what, const std::function<void()>& call,
                      const std::string& expected = {}) {
    events_.clear();
    try {
      call();
      ADD_FAILURE() << what << ": expected an error";
    } catch (const ApiError& e) {
      EXPECT_THAT(e.what(), HasSubstr(expected)) << what;
      EXPECT_THAT(e.what(), Not(HasSubstr(kKey))) << what;
      EXPECT_THAT(e.body(), Not(HasSubstr(kKey))) << what;
      EXPECT_THAT(e.message(), Not(HasSubstr(kKey))) << what;
      EXPECT_THAT(e.details().dump(), Not(HasSubstr(kKey))) << what;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(expected)) << what;
      EXPECT_THAT(e.what(), Not(HasSubstr(kKey))) << what;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    EXPECT_FALSE(events_.empty()) << what;
    for (const auto& event : events_) {
      EXPECT_THAT(event.url, Not(HasSubstr(kKey))) << what;
      EXPECT_THAT(event.error, Not(HasSubstr(kKey))) << what;
      for (const auto& [name, value] : event.request_headers) {
        EXPECT_THAT(value, Not(HasSubstr(kKey))) << what << " header " << name;
      }
    }
  }

  // Each of the four calls that talk to the API, blocking and asynchronous, against `url`.
  void expect_no_leak_from_every_call(const std::string& what, const std::string& url,
                                      const std::string& expected) {
    expect_no_leak(
        what + ", create_job", [&] { PixxelClient(options(url)).create_job("wf", "p"); }, expected);
    expect_no_leak(
        what + ", get_job", [&] { PixxelClient(options(url)).get_job("wf", "job"); }, expected);
    expect_no_leak(
        what + ", create_job_async",
        [&] { PixxelClient(options(url)).create_job_async("wf", "p").get(); }, expected);
    expect_no_leak(
        what + ", get_job_async",
        [&] { PixxelClient(options(url)).get_job_async("wf", "job").get(); }, expected);
  }

  std::mutex mutex_;
  std::vector<RequestEvent> events_;
};

TEST_F(KeyLeakTest, NoErrorOrEventCarriesTheKey) {
  TestServer server;
  // Every error status, with a body that echoes the key back in every field it can.
  server.http().Post(
      R"(/v0/workflows/(\d+)/jobs)", [](const httplib::Request& req, httplib::Response& res) {
        res.status = std::stoi(req.matches[1].str());
        res.set_header("X-Request-Id", "req-" + kKey);
        res.set_content(R"({"error": {"code": ")" + kKey + R"(", "message": "bad key )" + kKey +
                            R"(", "details": {"key": ")" + kKey + R"("}}})",
                        "application/json");
      });
  server.http().Post(R"(/v0/workflows/undecodable/jobs)",
                     [](const httplib::Request&, httplib::Response& res) {
                       res.set_content(R"({"cost": ")" + kKey + R"("})", "application/json");
                     });
  server.http().Post(R"(/v0/workflows/huge/jobs)",
                     [](const httplib::Request&, httplib::Response& res) {
                       res.set_content(std::string(2 << 20, 'x'), "text/plain");
                     });
  server.http().Post(R"(/v0/workflows/slow/jobs)",
                     [&](const httplib::Request&, httplib::Response& res) {
                       server.hold(10s);
                       res.set_content("{}", "application/json");
                     });
  server.http().Post(R"(/v0/workflows/loop/jobs)",
                     [](const httplib::Request& req, httplib::Response& res) {
                       res.status = 307;
                       res.set_header("Location", req.path);
                     });
  server.start();

  for (int status : {400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 418}) {
    expect_no_leak("status " + std::to_string(status), [&] {
      PixxelClient(options(server.url())).create_job(std::to_string(status), "p");
    });
  }
  expect_no_leak("decode error",
                 [&] { PixxelClient(options(server.url())).create_job("undecodable", "p"); });
  expect_no_leak("too large", [&] {
    ClientOptions o = options(server.url());
    o.max_response_bytes = 1 << 20;
    PixxelClient(o).create_job("huge", "p");
  });
  expect_no_leak("timeout", [&] {
    ClientOptions o = options(server.url());
    o.timeout = 100ms;
    PixxelClient(o).create_job("slow", "p");
  });
  expect_no_leak("redirect loop",
                 [&] { PixxelClient(options(server.url())).create_job("loop", "p"); });
  expect_no_leak("refused", [&] {
    PixxelClient(options("http://127.0.0.1:" + std::to_string(testing::refused_port())))
        .create_job("wf", "p");
  });
  expect_no_leak("truncated", [&] {
    ScriptedServer truncated(
        [](const std::string&) { return "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"; });
    PixxelClient(options(truncated.url())).get_job("wf", "job");
  });
  expect_no_leak("async",
                 [&] { PixxelClient(options(server.url())).create_job_async("404", "p").get(); });
}

// A same-origin redirect may put the key into the URL; the URL then shows up in the error of
// the hop (too many redirects, or no answer), which must not show the key.
TEST_F(KeyLeakTest, ARedirectThatPutsTheKeyInTheUrlLeaksItNowhere) {
  TestServer loop;
  const auto redirect = [](const httplib::Request&, httplib::Response& res) {
    res.status = 307;
    res.set_header("Location", "/next?token=" + kKey);
  };
  for (const char* path : {R"(/v0/workflows/wf/jobs.*)", "/next"}) {
    loop.http().Get(path, redirect);
    loop.http().Post(path, redirect);
  }
  loop.start();
  expect_no_leak_from_every_call("redirect loop", loop.url(), "more than 5 redirects");

  // The redirect's target closes the connection without a word.
  ScriptedServer silent([](const std::string& request) -> std::string {
    if (request.find(" /next?") != std::string::npos) return "";
    return "HTTP/1.1 307 Temporary Redirect\r\nLocation: /next?token=" + kKey +
           "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  });
  expect_no_leak_from_every_call("silent target", silent.url(), "returned nothing");
}

TEST(HeaderInjectionTest, NoKeyOrArgumentCanAddAHeader) {
  TestServer server;
  server.http().Post(R"(/v0/workflows/([^/]+)/jobs)",
                     [](const httplib::Request&, httplib::Response& res) {
                       res.set_content(R"({"id": "j"})", "application/json");
                     });
  server.http().Get(R"(/v0/workflows/([^/]+)/jobs)",
                    [](const httplib::Request&, httplib::Response& res) {
                      res.set_content(R"({"jobs": []})", "application/json");
                    });
  server.start();
  ClientOptions o;
  o.api_key = "key";
  o.base_url = server.url();

  for (const char* evil : {"k\r\nX-Injected: yes", "k\nX-Injected: yes", "k\rX", "k\x01"}) {
    ClientOptions bad = o;
    bad.api_key = evil;
    EXPECT_THROW(PixxelClient{bad}, ConfigurationError);
    bad = o;
    bad.user_agent = evil;
    EXPECT_THROW(PixxelClient{bad}, ConfigurationError);
  }
  PixxelClient client(o);
  EXPECT_THROW(client.create_job("wf\r\nX-Injected: yes", "p"), InvalidArgumentError);
  EXPECT_THROW(client.create_job("wf", "p\r\nX-Injected: yes"), InvalidArgumentError);
  ListJobsQuery query;
  query.created_by = "u\r\nX-Injected: yes";
  EXPECT_THROW(client.list_jobs("wf", query), InvalidArgumentError);
  EXPECT_EQ(server.request_count(), 0u);

  // What is allowed travels inside its own header or path segment, never as a header.
  ClientOptions odd = o;
  odd.api_key = "Bearer k: v; X-Injected: yes";
  PixxelClient(odd).create_job("wf X-Injected: yes", "p");
  const auto request = server.last_request();
  EXPECT_FALSE(request.has_header("X-Injected"));
  EXPECT_EQ(request.header("Authorization"), "Bearer k: v; X-Injected: yes");
  EXPECT_EQ(request.target, "/v0/workflows/wf%20X-Injected%3A%20yes/jobs?project_id=p");
}

TEST(SignedUrlTest, TheKeyNeverReachesTheDownloadHost) {
  mock::MockOptions mo;
  mo.api_key = kKey;
  mo.job_duration = 100ms;
  mock::MockServer mock(mo);
  mock.start();
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = mock.base_url();
  PixxelClient client(o);
  Job job = client.create_job("wf", "p");
  WaitOptions wait;
  wait.poll_interval = 10ms;
  wait.timeout = 10s;
  client.wait_for_job("wf", job.id, wait);
  DownloadLink link = client.download_job("wf", job.id);
  ASSERT_EQ(link.status, "ready");
  char dir[] = "/tmp/pixxel-sec-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/job.zip";
  EXPECT_GT(client.save_download(link, path), 0u);
  EXPECT_EQ(mock.download_count(), 1u);
  EXPECT_FALSE(mock.last_download_authorization().has_value());
  std::remove(path.c_str());
  ::rmdir(dir);
}

// The plain-http rule holds for every hop, not only the URL a call starts from.
TEST(DowngradeTest, ASignedUrlRedirectingToPlainHttpElsewhereIsRefusedBeforeAnyConnect) {
  TestServer storage;
  storage.http().Get("/archive.zip", [](const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "http://nonloopback.invalid/archive.zip?sig=abc");
  });
  storage.start();
  // Records every request the client hands to libcurl: none may be for the other host.
  auto recording = std::make_shared<testing::RecordingTransport>(make_curl_transport());
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = storage.url();
  o.retry.max_retries = 2;
  o.retry.initial_backoff = 1ms;
  o.transport = recording;
  PixxelClient client(o);
  DownloadLink link;
  link.status = "ready";
  link.signed_url = storage.url() + "/archive.zip?sig=xyz";
  char dir[] = "/tmp/pixxel-sec-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/job.zip";
  try {
    client.save_download(link, path);
    ADD_FAILURE() << "expected a TransportError";
  } catch (const TransportError& e) {
    EXPECT_THAT(e.what(), HasSubstr("refused to follow a redirect to plain http on "
                                    "nonloopback.invalid"));
    EXPECT_THAT(e.what(), HasSubstr("allow_insecure_http"));
    EXPECT_THAT(e.what(), Not(HasSubstr("sig=")));
  }
  const auto requests = recording->requests();
  ASSERT_EQ(requests.size(), 1u);  // not retried: the answer would be the same
  EXPECT_EQ(requests[0].url, link.signed_url);
  EXPECT_EQ(storage.request_count(), 1u);
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
  EXPECT_NE(::access((path + ".part").c_str(), F_OK), 0);
  ::rmdir(dir);
}

TEST(DowngradeTest, AnApiRedirectToPlainHttpElsewhereIsRefused) {
  TestServer api;
  const auto redirect = [](const httplib::Request& req, httplib::Response& res) {
    res.status = 307;
    res.set_header("Location", "http://nonloopback.invalid" + req.path);
  };
  api.http().Get(R"(/v0/.*)", redirect);
  api.http().Post(R"(/v0/.*)", redirect);
  api.start();
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = api.url();
  o.retry.max_retries = 2;
  o.retry.initial_backoff = 1ms;
  PixxelClient client(o);
  const std::vector<std::pair<std::string, std::function<void()>>> calls = {
      {"create_job", [&] { client.create_job("wf", "p"); }},
      {"get_job", [&] { client.get_job("wf", "job"); }},
      {"create_job_async", [&] { client.create_job_async("wf", "p").get(); }},
      {"get_job_async", [&] { client.get_job_async("wf", "job").get(); }}};
  std::size_t sent = 0;
  for (const auto& [name, call] : calls) {
    try {
      call();
      ADD_FAILURE() << name << ": expected a TransportError";
    } catch (const TransportError& e) {
      // Not libcurl's "Could not resolve host": the hop was never handed to it.
      EXPECT_THAT(e.what(), HasSubstr("refused to follow a redirect to plain http on "
                                      "nonloopback.invalid"))
          << name;
      EXPECT_TRUE(e.request_sent()) << name;
    }
    EXPECT_EQ(api.request_count(), ++sent) << name << ": one attempt, no retry";
  }
}

}  // namespace
}  // namespace pixxel
