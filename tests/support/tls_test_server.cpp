#include "support/tls_test_server.hpp"

#include <httplib.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <stdexcept>

namespace pixxel::testing {

namespace {

// httplib::SSLServer with access to its listening socket.
class ListeningSslServer : public httplib::SSLServer {
 public:
  using httplib::SSLServer::SSLServer;
  socket_t listening_socket() const { return svr_sock_; }
};

}  // namespace

std::string TlsTestServer::ca_file() { return PIXXEL_TLS_DATA_DIR "/test-cert.pem"; }

TlsTestServer::TlsTestServer(Options options) {
  auto server = std::make_unique<ListeningSslServer>(PIXXEL_TLS_DATA_DIR "/test-cert.pem",
                                                     PIXXEL_TLS_DATA_DIR "/test-key.pem");
  ListeningSslServer& listening = *server;
  server_ = std::move(server);
  if (!server_->is_valid()) throw std::runtime_error("cannot load the test certificate");
  // Without it every keep-alive answer waits ~40 ms for a delayed ACK.
  server_->set_tcp_nodelay(true);
  if (options.tls12_only) SSL_CTX_set_max_proto_version(server_->ssl_context(), TLS1_2_VERSION);
  // cpp-httplib closes a connection after 5 requests by default: counted connections would
  // then be the server's doing.
  server_->set_keep_alive_max_count(100000);
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
  // cpp-httplib listens with a backlog of 5: a burst of connects would wait for SYN retries.
  ::listen(listening.listening_socket(), 1024);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() does nothing until the listen loop runs, so a short test would hang in join().
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TlsTestServer::~TlsTestServer() {
  server_->stop();
  thread_.join();
}

long TlsTestServer::handshakes() const { return SSL_CTX_sess_accept_good(server_->ssl_context()); }

long TlsTestServer::resumed() const { return SSL_CTX_sess_hits(server_->ssl_context()); }

}  // namespace pixxel::testing
