#include "support/tls_test_server.hpp"

#include <httplib.h>
#include <openssl/ssl.h>

#include <stdexcept>

#include "support/test_server.hpp"

namespace pixxel::testing {

std::string TlsTestServer::ca_file() { return PIXXEL_TLS_DATA_DIR "/test-cert.pem"; }

TlsTestServer::TlsTestServer(Options options) {
  server_ = std::make_unique<httplib::SSLServer>(PIXXEL_TLS_DATA_DIR "/test-cert.pem",
                                                 PIXXEL_TLS_DATA_DIR "/test-key.pem");
  if (!server_->is_valid()) throw std::runtime_error("cannot load the test certificate");
  // Without it every keep-alive answer waits ~40 ms for a delayed ACK.
  server_->set_tcp_nodelay(true);
  const int threads = options.threads;
  server_->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  server_->Post(R"(/v0/workflows/([^/]+)/jobs)",
                [this, options](const httplib::Request& req, httplib::Response& res) {
                  ++requests_;
                  if (options.latency.count() > 0) std::this_thread::sleep_for(options.latency);
                  if (options.close) res.set_header("Connection", "close");
                  res.set_content(R"({"id":"job-1","status":"queued","created_by":")" +
                                      req.get_param_value("project_id") + "\"}",
                                  "application/json; charset=utf-8");
                });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  wait_until_running(*server_);
}

TlsTestServer::~TlsTestServer() {
  server_->stop();
  thread_.join();
}

long TlsTestServer::handshakes() const { return SSL_CTX_sess_accept_good(server_->ssl_context()); }

long TlsTestServer::resumed() const { return SSL_CTX_sess_hits(server_->ssl_context()); }

}  // namespace pixxel::testing
