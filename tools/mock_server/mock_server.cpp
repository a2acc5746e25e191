// MockServer: its lifecycle, and how httplib's routes reach the jobs API. What it serves is in
// job_routes (and, through it, catalog_routes over the seeded catalog), the jobs in job_store
// and job_model, the faults in faults, and how connections are taken and served in http_server.
#include "mock_server.hpp"

#include <httplib.h>

#include <exception>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>

#include "text.hpp"  // the SDK's own helpers (pixxel_util), compiled in
#include "faults.hpp"
#include "http_server.hpp"
#include "job_routes.hpp"
#include "job_store.hpp"
#include "option_checks.hpp"
#include "responses.hpp"

namespace pixxel::mock {
namespace {

using detail::send_error;
using detail::send_json;

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
}

std::uint64_t resolve_seed(std::uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device entropy;
  return std::uint64_t{entropy()} << 32 ^ entropy();
}

}  // namespace

class MockServer::Impl {
 public:
  explicit Impl(MockOptions options)
      : options_(detail::validated(std::move(options))),
        seed_(resolve_seed(options_.seed)),
        faults_(options_, seed_),
        store_(seed_, options_.job_duration),
        routes_(options_, store_, faults_, [this] { return base_url(); }) {
    configure();
  }

  void start() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
    if (started_) throw std::logic_error("MockServer::start() called twice");
    const int bound = server_.bind(options_.host, options_.port);
    if (bound <= 0) {
      throw std::runtime_error("cannot bind the mock server to " + options_.host + ":" +
                               std::to_string(options_.port));
    }
    port_ = bound;
    started_ = true;
    listener_ = std::thread([this] {
      server_.listen_after_bind();
      listener_done_ = true;
    });
    // httplib's stop() does nothing before the accept loop runs, so a stop() right after
    // start() would otherwise leave the listener running forever.
    while (!server_.is_running() && !listener_done_) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  void stop() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
    faults_.stop();
    if (listener_.joinable()) {
      server_.stop_serving();
      listener_.join();
    }
  }

  int port() const { return port_; }

  std::string base_url() const {
    return "http://" + url_host(options_.host) + ":" + std::to_string(port_.load());
  }

  std::size_t request_count() const { return request_count_; }
  detail::JobStore& store() { return store_; }
  detail::FaultInjector& faults() { return faults_; }

 private:
  void configure() {
    // The OpenAPI document's "pong message": a JSON string, not an object.
    server_.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, "pong");
    });
    server_.Get(R"(/signed/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      routes_.serve_signed(req, res);
    });

    // httplib 0.11.4 percent-decodes req.path before matching its patterns, so an id holding
    // "%2F" would become two segments and hit no route (or the wrong one), and its regexes
    // run on decoded text. The /v0/ routes therefore match the raw req.target and decode each
    // captured segment on its own: "a%2Fb" is the id "a/b", "a%20b" is "a b", "%zz" stays.
    // "[\s\S]", as '.' would not match a decoded "%0A".
    const std::string v0 = R"(/v0/[\s\S]*)";
    server_.Get(v0, [this](const httplib::Request& req, httplib::Response& res) {
      routes_.serve_api(req, res);
    });
    // httplib 0.11.4 waits for EOF (its 5 s read timeout, then answers 400) for the body of
    // a POST/PUT/PATCH/DELETE that has neither Content-Length nor chunked encoding, as curl
    // sends for a custom "PUT" without data. A content-reader handler is called before the
    // body is read, so it can read only a body that was announced, and ignore it.
    const httplib::Server::HandlerWithContentReader with_body =
        [this](const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& content_reader) {
          if (req.has_header("Content-Length") ||
              internal::to_lower(req.get_header_value("Transfer-Encoding")).find("chunked") !=
                  std::string::npos) {
            content_reader([](const char*, std::size_t) { return true; });
          }
          if (req.path.rfind("/v0/", 0) == 0) {
            routes_.serve_api(req, res);
          } else {
            send_error(res, 404, "no such route");
          }
        };
    const std::string any = R"([\s\S]*)";
    server_.Post(any, with_body);
    server_.Put(any, with_body);
    server_.Patch(any, with_body);
    server_.Delete(any, with_body);

    // httplib calls this for every answer of 400 or more, also those that already have our
    // JSON body; only httplib's own bare errors (no route, bad request line) need one.
    server_.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          send_error(res, res.status,
                     res.status == 404 ? "no such route" : "the request could not be served");
          return httplib::Server::HandlerResponse::Handled;
        }));
    server_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
          std::string message = "unexpected error in the mock server";
          try {
            if (error) std::rethrow_exception(error);
          } catch (const std::exception& e) {
            message += std::string(": ") + e.what();
          } catch (...) {
          }
          send_error(res, 500, message);
        });
    server_.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Request-Id", "req-" + std::to_string(++request_count_));
      if (!res.has_header("Content-Type")) {
        res.set_header("Content-Type", "application/json; charset=utf-8");
      }
    });
    server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      if (!options_.on_request) return;
      options_.on_request(
          RequestLog{req.method, req.target, res.status, res.get_header_value("X-Request-Id")});
    });
  }

  const MockOptions options_;
  const std::uint64_t seed_;
  detail::FaultInjector faults_;
  detail::JobStore store_;
  detail::JobRoutes routes_;
  detail::HttpServer server_;

  std::mutex lifecycle_mutex_;
  bool started_ = false;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  std::atomic<int> port_{0};
  std::atomic<std::size_t> request_count_{0};
};

MockServer::MockServer(MockOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
MockServer::~MockServer() { impl_->stop(); }
void MockServer::start() { impl_->start(); }
void MockServer::stop() { impl_->stop(); }
int MockServer::port() const { return impl_->port(); }
std::string MockServer::base_url() const { return impl_->base_url(); }
std::size_t MockServer::request_count() const { return impl_->request_count(); }
std::size_t MockServer::job_count() const { return impl_->store().job_count(); }
std::size_t MockServer::download_count() const { return impl_->store().download_count(); }
std::optional<std::string> MockServer::last_download_authorization() const {
  return impl_->store().last_download_authorization();
}
void MockServer::set_fail_rate(double rate) { impl_->faults().set_fail_rate(rate); }
void MockServer::set_fail_after_create_rate(double rate) {
  impl_->faults().set_fail_after_create_rate(rate);
}
void MockServer::set_rate_limit_rate(double rate) { impl_->faults().set_rate_limit_rate(rate); }
void MockServer::set_latency(std::chrono::milliseconds latency) {
  impl_->faults().set_latency(latency);
}
void MockServer::set_job_duration(std::chrono::milliseconds duration) {
  detail::check_not_negative(duration, "job_duration");
  impl_->store().set_job_duration(duration);
}

}  // namespace pixxel::mock
