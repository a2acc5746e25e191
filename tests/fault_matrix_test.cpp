// One table of faults, run through every path a call can take: create_job and get_job on the
// blocking pipeline over the libcurl transport, create_job_async and get_job_async on the
// client's asynchronous loop. Each scenario states once, per method, what the caller gets,
// what on_request reports and what the servers receive; every path must match it exactly.
// Everything goes over real libcurl to servers on 127.0.0.1.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <typeindex>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/client_options.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::ScriptedServer;
using testing::TestServer;

constexpr char kKey[] = "matrix-key-3b1f";
constexpr char kWorkflow[] = "wf";
constexpr char kProject[] = "proj";
constexpr char kJobId[] = "job-1";
constexpr char kCreateRoute[] = "/v0/workflows/wf/jobs";
constexpr char kGetRoute[] = "/v0/workflows/wf/jobs/job-1";
constexpr char kJob[] = R"({"id": "job-1", "status": "queued", "tasks": []})";
constexpr char kJobOutcome[] = "Job id=job-1 status=queued";
// cpp-httplib compresses a plain "application/json" answer when the client offers it
// (libcurl does), which costs milliseconds per answer and is not what a scenario is about.
constexpr char kJsonType[] = "application/json; charset=utf-8";
// A date in the past: a Retry-After that asks for no wait, without the test having to wait.
constexpr char kPastDate[] = "Sun, 06 Nov 1994 08:49:37 GMT";
constexpr std::size_t kSmallLimit = 256;
// One call at a time, and at most two held connections (Timeout): a few threads are plenty,
// and ~200 servers each starting 128 would cost seconds.
constexpr std::size_t kServerThreads = 4;

// ---- the four paths ----------------------------------------------------------------------

enum class Call { kCreateJob, kGetJob, kCreateJobAsync, kGetJobAsync };

const char* call_name(Call call) {
  switch (call) {
    case Call::kCreateJob:
      return "create_job";
    case Call::kGetJob:
      return "get_job";
    case Call::kCreateJobAsync:
      return "create_job_async";
    case Call::kGetJobAsync:
      return "get_job_async";
  }
  return "?";
}

void PrintTo(Call call, std::ostream* os) { *os << call_name(call); }

std::string method_of(Call call) {
  return call == Call::kCreateJob || call == Call::kCreateJobAsync ? "POST" : "GET";
}

// The request target each method's call sends.
std::string target_of(const std::string& method) {
  return method == "POST" ? std::string(kCreateRoute) + "?project_id=" + kProject
                          : std::string(kGetRoute);
}

// ---- outcomes as text, so that a mismatch prints every field ----------------------------

std::string format_retry_after(std::optional<milliseconds> value) {
  return value ? std::to_string(value->count()) + "ms" : std::string("none");
}

std::string api_error(const std::string& type, int status, const std::string& code,
                      const std::string& message, const std::string& request_id,
                      const std::string& details = "null",
                      std::optional<milliseconds> retry_after = std::nullopt) {
  return type + " status=" + std::to_string(status) + " code=" + code + " message=\"" + message +
         "\" request_id=" + request_id + " details=" + details +
         " retry_after=" + format_retry_after(retry_after);
}

std::string transport_error(const std::string& type, bool request_sent) {
  return type + " request_sent=" + (request_sent ? "true" : "false");
}

std::string too_large(std::size_t limit) {
  return "ResponseTooLargeError limit=" + std::to_string(limit);
}

std::string decode_error(const std::string& path, int status, const std::string& request_id) {
  return "DecodeError path=" + path + " status=" + std::to_string(status) +
         " request_id=" + request_id;
}

// The exact dynamic type, so that a base class (ApiError for NotFoundError) does not pass.
std::string type_name(const Error& e) {
  static const std::pair<std::type_index, const char*> kTypes[] = {
      {typeid(BadRequestError), "BadRequestError"},
      {typeid(AuthenticationError), "AuthenticationError"},
      {typeid(PermissionDeniedError), "PermissionDeniedError"},
      {typeid(NotFoundError), "NotFoundError"},
      {typeid(ConflictError), "ConflictError"},
      {typeid(UnprocessableEntityError), "UnprocessableEntityError"},
      {typeid(RateLimitError), "RateLimitError"},
      {typeid(ServerError), "ServerError"},
      {typeid(ApiError), "ApiError"},
      {typeid(TimeoutError), "TimeoutError"},
      {typeid(TransportError), "TransportError"},
      {typeid(ResponseTooLargeError), "ResponseTooLargeError"},
      {typeid(DecodeError), "DecodeError"},
      {typeid(ConfigurationError), "ConfigurationError"},
      {typeid(InvalidArgumentError), "InvalidArgumentError"},
  };
  for (const auto& [type, name] : kTypes) {
    if (type == std::type_index(typeid(e))) return name;
  }
  return std::string("Error(") + typeid(e).name() + ")";
}

std::string describe(const Error& e) {
  const std::string type = type_name(e);
  if (const auto* api = dynamic_cast<const ApiError*>(&e)) {
    return api_error(type, api->status_code(), api->code(), api->message(), api->request_id(),
                     api->details().dump(), api->retry_after());
  }
  if (const auto* transport = dynamic_cast<const TransportError*>(&e)) {
    return transport_error(type, transport->request_sent());
  }
  if (const auto* large = dynamic_cast<const ResponseTooLargeError*>(&e)) {
    return too_large(large->limit());
  }
  if (const auto* decode = dynamic_cast<const DecodeError*>(&e)) {
    return decode_error(decode->path(), decode->status_code(), decode->request_id());
  }
  return type + " " + e.what();
}

std::string run(Call call, PixxelClient& client) {
  try {
    Job job;
    switch (call) {
      case Call::kCreateJob:
        job = client.create_job(kWorkflow, kProject);
        break;
      case Call::kGetJob:
        job = client.get_job(kWorkflow, kJobId);
        break;
      case Call::kCreateJobAsync:
        job = client.create_job_async(kWorkflow, kProject).get();
        break;
      case Call::kGetJobAsync:
        job = client.get_job_async(kWorkflow, kJobId).get();
        break;
    }
    return "Job id=" + job.id + " status=" + job.status;
  } catch (const Error& e) {
    return describe(e);
  }
}

// ---- the request log ---------------------------------------------------------------------

std::string log_line(const std::string& method, const std::string& url, int attempt, int status,
                     bool failed) {
  return method + " " + url + " attempt=" + std::to_string(attempt) +
         " status=" + std::to_string(status) + " error=" + (failed ? "yes" : "no");
}

class Events {
 public:
  std::function<void(const RequestEvent&)> observer() {
    return [this](const RequestEvent& e) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(log_line(e.method, e.url, e.attempt, e.status_code, !e.error.empty()));
    };
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// ---- the servers of one run ----------------------------------------------------------------

// "api POST /v0/... auth=key": who received what, and whether it carried the key.
std::string received_line(const std::string& server, const std::string& method,
                          const std::string& target, const std::optional<std::string>& auth) {
  return server + " " + method + " " + target + " auth=" +
         (!auth           ? "none"
          : *auth == kKey ? "key"
                          : "other");
}

std::optional<std::string> auth_of(const testing::RecordedRequest& r) {
  if (!r.has_header("Authorization")) return std::nullopt;
  return r.header("Authorization");
}

// The servers one scenario runs against: the API's origin as a cpp-httplib server or as raw
// bytes, and a second origin for cross-origin redirects.
class Rig {
 public:
  TestServer& api() {
    if (!api_) api_ = std::make_unique<TestServer>(kServerThreads);
    return *api_;
  }
  TestServer& other() {
    if (!other_) other_ = std::make_unique<TestServer>(kServerThreads);
    return *other_;
  }
  // Serves the API's origin from raw bytes: `answers` in turn, the last one repeating. Each
  // answer should say "Connection: close", since the server closes after it.
  void raw(std::vector<std::string> answers) {
    auto next = std::make_shared<std::size_t>(0);
    raw_ = std::make_unique<ScriptedServer>([this, answers, next](const std::string& request) {
      {
        std::lock_guard<std::mutex> lock(raw_mutex_);
        raw_requests_.push_back(request);
      }
      return answers[std::min((*next)++, answers.size() - 1)];
    });
  }
  void set_base_url(std::string url) { base_url_ = std::move(url); }

  // Routes are registered before a cpp-httplib server starts. The other origin starts first:
  // the API's handlers read its port, and starting the API's threads after it was set orders
  // that read after the write.
  void start() {
    if (other_) other_->start();
    if (api_) api_->start();
  }
  std::string base_url() const {
    if (!base_url_.empty()) return base_url_;
    return raw_ ? raw_->url() : api_->url();
  }

  std::vector<std::string> received() const {
    std::vector<std::string> out;
    if (api_) {
      for (const auto& r : api_->requests()) {
        out.push_back(received_line("api", r.method, r.target, auth_of(r)));
      }
    }
    {
      std::lock_guard<std::mutex> lock(raw_mutex_);
      for (const auto& r : raw_requests_) {
        const std::size_t space = r.find(' ');
        const std::size_t second = r.find(' ', space + 1);
        out.push_back(received_line("api", r.substr(0, space),
                                    r.substr(space + 1, second - space - 1),
                                    testing::raw_header(r, "Authorization")));
      }
    }
    if (other_) {
      for (const auto& r : other_->requests()) {
        out.push_back(received_line("other", r.method, r.target, auth_of(r)));
      }
    }
    return out;
  }

 private:
  // The API's handlers may read `other_`, so the API's threads are joined first.
  std::unique_ptr<TestServer> other_;
  std::unique_ptr<TestServer> api_;
  mutable std::mutex raw_mutex_;
  std::vector<std::string> raw_requests_;
  // Last: its thread stops before what it records into goes away.
  std::unique_ptr<ScriptedServer> raw_;
  std::string base_url_;
};

// One answer of the API's cpp-httplib server.
struct Reply {
  int status = 200;
  std::string body = kJob;
  httplib::Headers headers = {};
};

// Serves `replies` in turn, the last one repeating, on the routes of both calls.
void serve_replies(Rig& rig, std::vector<Reply> replies) {
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  auto handler = [replies, next](const httplib::Request&, httplib::Response& res) {
    const Reply& reply = replies[std::min(next->fetch_add(1), replies.size() - 1)];
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    res.set_content(reply.body, kJsonType);
  };
  rig.api().http().Post(kCreateRoute, handler);
  rig.api().http().Get(kGetRoute, handler);
}

// Answers the calls' routes with `status` and the Location `location()` gives (asked at
// request time, when every server has its port).
void serve_redirect(Rig& rig, int status, std::function<std::string()> location) {
  auto handler = [status, location](const httplib::Request&, httplib::Response& res) {
    res.status = status;
    res.set_header("Location", location());
  };
  rig.api().http().Post(kCreateRoute, handler);
  rig.api().http().Get(kGetRoute, handler);
}

void serve_job_at(TestServer& server, const std::string& path) {
  auto handler = [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kJob, kJsonType);
  };
  server.http().Post(path, handler);
  server.http().Get(path, handler);
}

std::string raw_answer(const std::string& head, const std::string& body) {
  return "HTTP/1.1 " + head + "\r\nConnection: close\r\n" + body;
}

std::string chunked(const std::string& text, std::size_t piece) {
  std::string out;
  for (std::size_t at = 0; at < text.size(); at += piece) {
    const std::string part = text.substr(at, piece);
    char size[32];
    std::snprintf(size, sizeof(size), "%zx", part.size());
    out += std::string(size) + "\r\n" + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

// A job whose JSON is `size` bytes or more: padding in a field the decoder ignores.
std::string big_job(std::size_t size) {
  return R"({"id": "job-1", "status": "queued", "padding": ")" + std::string(size, 'a') + "\"}";
}

// ---- what a scenario expects --------------------------------------------------------------

struct Attempt {
  int status;   // 0: no answer
  bool failed;  // RequestEvent::error is not empty
};

struct Expected {
  std::string outcome;
  std::vector<Attempt> attempts;
  std::vector<std::string> received;  // as Rig::received() reports it
};

// What the retry rules of DESIGN.md promise, written out rather than taken from the code
// under test: 429 and 503 always, 408/500/502/504 for GET only (POST could create a job twice).
bool retried(int status, const std::string& method) {
  if (status == 429 || status == 503) return true;
  return method == "GET" && (status == 408 || status == 500 || status == 502 || status == 504);
}

constexpr int kAttempts = 3;  // max_retries 2

template <typename T>
std::vector<T> repeat(int n, const T& value) {
  return std::vector<T>(static_cast<std::size_t>(n), value);
}

template <typename T>
std::vector<T> concat(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The API received the call's own request `n` times, with the key.
std::vector<std::string> api_hits(int n, const std::string& method) {
  return repeat(n, received_line("api", method, target_of(method), kKey));
}

std::string error_type_for(int status) {
  switch (status) {
    case 400:
      return "BadRequestError";
    case 401:
      return "AuthenticationError";
    case 403:
      return "PermissionDeniedError";
    case 404:
      return "NotFoundError";
    case 409:
      return "ConflictError";
    case 422:
      return "UnprocessableEntityError";
    case 429:
      return "RateLimitError";
    default:
      return status >= 500 ? "ServerError" : "ApiError";
  }
}

struct Scenario {
  std::string name;
  std::function<void(Rig&)> serve;
  std::function<Expected(const std::string& method)> expect;
  std::function<void(ClientOptions&)> configure = nullptr;  // on top of options_for()
};

void PrintTo(const Scenario& scenario, std::ostream* os) { *os << scenario.name; }

// ---- the table ---------------------------------------------------------------------------

// Each error status, with the documented body and a request id.
void add_status_scenarios(std::vector<Scenario>& out) {
  for (int status : {400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504, 418}) {
    const std::string code = "code_" + std::to_string(status);
    const std::string message = "message for " + std::to_string(status);
    const std::string request_id = "req-" + std::to_string(status);
    const std::string details = R"({"field":"project_id"})";
    const std::string body = R"({"error": {"code": ")" + code + R"(", "message": ")" + message +
                             R"(", "details": )" + details + "}}";
    out.push_back({"Status" + std::to_string(status),
                   [=](Rig& rig) {
                     serve_replies(rig, {{status, body, {{"X-Request-Id", request_id}}}});
                   },
                   [=](const std::string& method) {
                     const int n = retried(status, method) ? kAttempts : 1;
                     return Expected{api_error(error_type_for(status), status, code, message,
                                               request_id, details),
                                     repeat(n, Attempt{status, true}), api_hits(n, method)};
                   }});
  }
  // Bodies that are not the documented shape: the message falls back as DESIGN.md says.
  out.push_back({"Status409TopLevelMessage",
                 [](Rig& rig) {
                   serve_replies(rig, {{409, R"({"message": "already exists"})"}});
                 },
                 [](const std::string& method) {
                   return Expected{api_error("ConflictError", 409, "", "already exists", ""),
                                   {{409, true}},
                                   api_hits(1, method)};
                 }});
  out.push_back({"Status400ErrorString",
                 [](Rig& rig) {
                   serve_replies(rig, {{400, R"({"error": "bad project"})"}});
                 },
                 [](const std::string& method) {
                   return Expected{api_error("BadRequestError", 400, "", "bad project", ""),
                                   {{400, true}},
                                   api_hits(1, method)};
                 }});
  // A proxy's HTML page: the reason phrase, and retried like any 502.
  out.push_back({"Status502HtmlFromAProxy",
                 [](Rig& rig) {
                   serve_replies(rig, {{502, "<html><body>Bad Gateway</body></html>"}});
                 },
                 [](const std::string& method) {
                   const int n = retried(502, method) ? kAttempts : 1;
                   return Expected{api_error("ServerError", 502, "", "Bad Gateway", ""),
                                   repeat(n, Attempt{502, true}), api_hits(n, method)};
                 }});
}

void add_body_scenarios(std::vector<Scenario>& out) {
  // Content-Length larger than what is sent, then close: a GET is retried, a POST may have
  // created the job and is not.
  out.push_back({"BodyCutShort",
                 [](Rig& rig) {
                   rig.raw({raw_answer("200 OK",
                                       "Content-Type: application/json\r\nContent-Length: 500\r\n"
                                       "\r\n{\"id\": \"job-")});
                 },
                 [](const std::string& method) {
                   const int n = method == "GET" ? kAttempts : 1;
                   return Expected{transport_error("TransportError", true),
                                   repeat(n, Attempt{0, true}), api_hits(n, method)};
                 }});
  // Over max_response_bytes: final on every method, since the next answer would be as big.
  auto over_limit = [](const std::string& method) {
    return Expected{too_large(kSmallLimit), {{0, true}}, api_hits(1, method)};
  };
  auto small_limit = [](ClientOptions& o) { o.max_response_bytes = kSmallLimit; };
  const std::string big = big_job(4 * kSmallLimit);
  out.push_back({"TooLargeWithContentLength",
                 [=](Rig& rig) {
                   rig.raw({raw_answer("200 OK", "Content-Length: " + std::to_string(big.size()) +
                                                     "\r\n\r\n" + big)});
                 },
                 over_limit, small_limit});
  out.push_back({"TooLargeWithoutContentLength",
                 [=](Rig& rig) { rig.raw({raw_answer("200 OK", "\r\n" + big)}); }, over_limit,
                 small_limit});
  out.push_back(
      {"TooLargeChunked",
       [=](Rig& rig) {
         rig.raw({raw_answer("200 OK", "Transfer-Encoding: chunked\r\n\r\n" + chunked(big, 100))});
       },
       over_limit, small_limit});
  // Small on the wire, large once decompressed: the limit counts what is kept.
  out.push_back(
      {"TooLargeOnceDecompressed",
       [=](Rig& rig) {
         const std::string zipped = testing::gzip(big);
         EXPECT_LT(zipped.size(), kSmallLimit);
         rig.raw({raw_answer("200 OK", "Content-Encoding: gzip\r\nContent-Length: " +
                                           std::to_string(zipped.size()) + "\r\n\r\n" + zipped)});
       },
       over_limit, small_limit});

  auto job_in_one_attempt = [](const std::string& method) {
    return Expected{kJobOutcome, {{200, false}}, api_hits(1, method)};
  };
  out.push_back(
      {"Gzip",
       [](Rig& rig) {
         const std::string zipped = testing::gzip(kJob);
         rig.raw({raw_answer("200 OK", "Content-Encoding: gzip\r\nContent-Length: " +
                                           std::to_string(zipped.size()) + "\r\n\r\n" + zipped)});
       },
       job_in_one_attempt});
  out.push_back(
      {"Chunked",
       [](Rig& rig) {
         rig.raw({raw_answer("200 OK", "Transfer-Encoding: chunked\r\n\r\n" + chunked(kJob, 7))});
       },
       job_in_one_attempt});
  out.push_back({"ChunkedAndGzip",
                 [](Rig& rig) {
                   rig.raw({raw_answer(
                       "200 OK", "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                     chunked(testing::gzip(kJob), 5))});
                 },
                 job_in_one_attempt});
  // Says gzip, is not: libcurl cannot decode it; a transport failure after the request left.
  out.push_back({"GzipThatIsNot",
                 [](Rig& rig) {
                   rig.raw({raw_answer("200 OK",
                                       "Content-Encoding: gzip\r\nContent-Length: 16\r\n"
                                       "\r\nnot gzip at all!")});
                 },
                 [](const std::string& method) {
                   const int n = method == "GET" ? kAttempts : 1;
                   return Expected{transport_error("TransportError", true),
                                   repeat(n, Attempt{0, true}), api_hits(n, method)};
                 }});

  // 2xx bodies that are not a job: no retry, a DecodeError with where, status and request id.
  struct Undecodable {
    const char* name;
    int status;
    const char* body;
    const char* path;
  };
  for (const Undecodable& u : {
           Undecodable{"NotJson", 200, "<html>maintenance</html>", ""},
           Undecodable{"JsonArray", 200, R"([{"id": "job-1"}])", ""},
           Undecodable{"WrongTypeNested", 200,
                       R"({"id": "job-1", "tasks": [{"id": "t"}, {"progress": {"a": 1}}]})",
                       "tasks[1].progress"},
           Undecodable{"WrongTypeTopLevel", 201, R"({"id": {"nested": true}})", "id"},
       }) {
    const std::string request_id = std::string("req-") + u.name;
    out.push_back({std::string("Undecodable") + u.name,
                   [=](Rig& rig) {
                     serve_replies(rig, {{u.status, u.body, {{"X-Request-Id", request_id}}}});
                   },
                   [=](const std::string& method) {
                     return Expected{decode_error(u.path, u.status, request_id),
                                     {{u.status, false}},
                                     api_hits(1, method)};
                   }});
  }
}

void add_redirect_scenarios(std::vector<Scenario>& out) {
  // Same origin: followed, with the key. 307 keeps the method, 303 turns it into GET.
  for (int status : {307, 303}) {
    out.push_back({"RedirectSameOrigin" + std::to_string(status),
                   [=](Rig& rig) {
                     serve_redirect(rig, status, [] { return "/v0/moved"; });
                     serve_job_at(rig.api(), "/v0/moved");
                   },
                   [=](const std::string& method) {
                     const std::string next = status == 303 ? "GET" : method;
                     return Expected{kJobOutcome,
                                     {{200, false}},
                                     concat(api_hits(1, method),
                                            {received_line("api", next, "/v0/moved", kKey)})};
                   }});
  }
  // Another origin (same host, other port): followed, without the key. 302 turns a POST into
  // GET, 307 keeps it.
  for (int status : {302, 307}) {
    out.push_back({"RedirectOtherOrigin" + std::to_string(status),
                   [=](Rig& rig) {
                     serve_job_at(rig.other(), "/elsewhere");
                     TestServer& other = rig.other();
                     serve_redirect(rig, status, [&other] { return other.url() + "/elsewhere"; });
                   },
                   [=](const std::string& method) {
                     const std::string next = status == 302 ? "GET" : method;
                     return Expected{
                         kJobOutcome,
                         {{200, false}},
                         concat(api_hits(1, method),
                                {received_line("other", next, "/elsewhere", std::nullopt)})};
                   }});
  }
  // A loop: six requests per attempt (the first and five redirects), then a TransportError
  // that is retried for GET only.
  out.push_back({"RedirectLoop",
                 [](Rig& rig) {
                   serve_redirect(rig, 307, [] { return "/v0/loop"; });
                   auto again = [](const httplib::Request&, httplib::Response& res) {
                     res.status = 307;
                     res.set_header("Location", "/v0/loop");
                   };
                   rig.api().http().Post("/v0/loop", again);
                   rig.api().http().Get("/v0/loop", again);
                 },
                 [](const std::string& method) {
                   const int n = method == "GET" ? kAttempts : 1;
                   std::vector<std::string> received;
                   for (int i = 0; i < n; ++i) {
                     received = concat(received, api_hits(1, method));
                     received = concat(received,
                                       repeat(5, received_line("api", method, "/v0/loop", kKey)));
                   }
                   return Expected{transport_error("TransportError", true),
                                   repeat(n, Attempt{0, true}), received};
                 }});
}

void add_retry_after_scenarios(std::vector<Scenario>& out) {
  struct Form {
    const char* name;
    const char* value;
  };
  for (int status : {429, 503}) {
    for (const Form& form : {Form{"Seconds", "0"}, Form{"HttpDate", kPastDate}}) {
      const std::string suffix = std::to_string(status) + form.name;
      const httplib::Headers headers = {{"Retry-After", form.value}, {"X-Request-Id", "req-ra"}};
      // Retried after the pause it asks for (none), on every method, and then answered.
      out.push_back(
          {"RetryAfter" + suffix + "ThenOk",
           [=](Rig& rig) {
             serve_replies(rig, {{status, "{}", headers}, {}});
           },
           [=](const std::string& method) {
             return Expected{kJobOutcome, {{status, true}, {200, false}}, api_hits(2, method)};
           }});
      // Retries run out: the error says what the server asked for.
      out.push_back({"RetryAfter" + suffix + "RunsOut",
                     [=](Rig& rig) {
                       serve_replies(rig, {{status, "{}", headers}});
                     },
                     [=](const std::string& method) {
                       return Expected{
                           api_error(error_type_for(status), status, "",
                                     status == 429 ? "Too Many Requests" : "Service Unavailable",
                                     "req-ra", "null", 0ms),
                           repeat(kAttempts, Attempt{status, true}), api_hits(kAttempts, method)};
                     }});
    }
    // A demand beyond max_retry_after ends the retries at once, and is reported.
    out.push_back({"RetryAfter" + std::to_string(status) + "BeyondTheCap",
                   [=](Rig& rig) {
                     serve_replies(rig, {{status, "{}", {{"Retry-After", "120"}}}, {}});
                   },
                   [=](const std::string& method) {
                     return Expected{
                         api_error(error_type_for(status), status, "",
                                   status == 429 ? "Too Many Requests" : "Service Unavailable", "",
                                   "null", 120000ms),
                         {{status, true}},
                         api_hits(1, method)};
                   }});
  }
}

void add_repeat_scenarios(std::vector<Scenario>& out) {
  // Answered once with a failure that a GET may retry and a POST may not: the POST reaches
  // the server exactly once, the GET is retried and then answered.
  for (int status : {500, 502, 504, 408}) {
    out.push_back(
        {"Once" + std::to_string(status) + "ThenOk",
         [=](Rig& rig) {
           serve_replies(rig, {{status, "{}"}, {}});
         },
         [=](const std::string& method) {
           if (method == "GET") {
             return Expected{kJobOutcome, {{status, true}, {200, false}}, api_hits(2, method)};
           }
           return Expected{api_error(error_type_for(status), status, "",
                                     status == 500   ? "Internal Server Error"
                                     : status == 502 ? "Bad Gateway"
                                     : status == 504 ? "Gateway Timeout"
                                                     : "Request Timeout",
                                     ""),
                           {{status, true}},
                           api_hits(1, method)};
         }});
  }
  // No answer within the timeout: the POST may have been received, so it is not repeated.
  out.push_back({"Timeout",
                 [](Rig& rig) {
                   TestServer& api = rig.api();
                   auto never = [&api](const httplib::Request&, httplib::Response& res) {
                     api.hold(60s);  // until the server stops
                     res.set_content(kJob, kJsonType);
                   };
                   api.http().Post(kCreateRoute, never);
                   api.http().Get(kGetRoute, never);
                 },
                 [](const std::string& method) {
                   const int n = method == "GET" ? 2 : 1;
                   return Expected{transport_error("TimeoutError", true),
                                   repeat(n, Attempt{0, true}), api_hits(n, method)};
                 },
                 [](ClientOptions& o) {
                   // Ample for a request to leave on loopback, short enough to run often.
                   o.timeout = 250ms;
                   o.retry.max_retries = 1;
                 }});
  // Nothing listening: nothing was sent, so even a POST is retried.
  out.push_back({"ConnectionRefused",
                 [](Rig& rig) {
                   rig.set_base_url("http://127.0.0.1:" + std::to_string(testing::refused_port()));
                 },
                 [](const std::string&) {
                   return Expected{transport_error("TransportError", false),
                                   repeat(kAttempts, Attempt{0, true}),
                                   {}};
                 }});
}

std::vector<Scenario> scenarios() {
  std::vector<Scenario> out;
  add_status_scenarios(out);
  add_body_scenarios(out);
  add_redirect_scenarios(out);
  add_retry_after_scenarios(out);
  add_repeat_scenarios(out);
  return out;
}

// ---- the matrix --------------------------------------------------------------------------

ClientOptions options_for(const std::string& url, Events& events) {
  return testing::fast_retry_options(url, kKey, events.observer());
}

// Waits, bounded, for a server to have read as many requests as expected: a request a
// client gave up on (a timeout) may still be in the server's hands when the call returns.
template <typename F>
void wait_for(F condition) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
}

class FaultMatrixTest : public ::testing::TestWithParam<std::tuple<Scenario, Call>> {};

TEST_P(FaultMatrixTest, SameOutcomeAndRequestLogOnEveryPath) {
  const Scenario& scenario = std::get<0>(GetParam());
  const Call call = std::get<1>(GetParam());
  const std::string method = method_of(call);
  const std::string path = call_name(call);

  Rig rig;
  scenario.serve(rig);
  rig.start();
  const Expected expected = scenario.expect(method);
  std::vector<std::string> expected_log;
  for (std::size_t i = 0; i < expected.attempts.size(); ++i) {
    expected_log.push_back(log_line(method, rig.base_url() + target_of(method),
                                    static_cast<int>(i) + 1, expected.attempts[i].status,
                                    expected.attempts[i].failed));
  }

  Events events;
  ClientOptions options = options_for(rig.base_url(), events);
  if (scenario.configure) scenario.configure(options);
  std::string outcome;
  {
    PixxelClient client(options);
    outcome = run(call, client);
  }

  EXPECT_EQ(outcome, expected.outcome)
      << path << " diverged from scenario " << scenario.name << ": outcome";
  EXPECT_EQ(events.lines(), expected_log)
      << path << " diverged from scenario " << scenario.name << ": request log";
  wait_for([&] { return rig.received().size() >= expected.received.size(); });
  EXPECT_EQ(rig.received(), expected.received)
      << path << " diverged from scenario " << scenario.name << ": what the servers received";
}

// "Status404_get_job_async": a failure names the scenario and the path.
std::string test_name(const ::testing::TestParamInfo<FaultMatrixTest::ParamType>& param) {
  return std::get<0>(param.param).name + "_" + call_name(std::get<1>(param.param));
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultMatrixTest,
                         ::testing::Combine(::testing::ValuesIn(scenarios()),
                                            ::testing::Values(Call::kCreateJob, Call::kGetJob,
                                                              Call::kCreateJobAsync,
                                                              Call::kGetJobAsync)),
                         test_name);
}  // namespace
}  // namespace pixxel
