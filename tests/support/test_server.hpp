#ifndef PIXXEL_TESTS_SUPPORT_TEST_SERVER_HPP_
#define PIXXEL_TESTS_SUPPORT_TEST_SERVER_HPP_

// In-process HTTP servers for the tests, bound to 127.0.0.1 on a free port.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

namespace pixxel::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // as sent, before percent-decoding
  std::string path;    // percent-decoded
  httplib::Headers headers;
  std::string body;
  int remote_port = 0;

  bool has_header(const std::string& name) const { return headers.count(name) > 0; }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// httplib::Server with access to its listening socket.
class HttpServer : public httplib::Server {
 public:
  socket_t listening_socket() const { return svr_sock_; }
};

// A cpp-httplib server that records every request before routing it. Register routes on
// `http()` before `start()`.
class TestServer {
 public:
  // `threads` bounds the connections served at once (each keep-alive connection holds one);
  // a test that makes few connections and many servers saves the cost of starting 128.
  explicit TestServer(std::size_t threads = 128);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  httplib::Server& http() { return server_; }
  void start();
  void stop();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<RecordedRequest> requests() const;
  RecordedRequest last_request() const;
  std::size_t request_count() const;
  // Distinct client connections seen so far (by remote port).
  std::size_t connection_count() const;

  // Blocks a handler until `stop()` or `limit`, whichever is first: a slow answer that never
  // holds up the test's teardown.
  void hold(std::chrono::milliseconds limit);

 private:
  HttpServer server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable released_cv_;
  bool released_ = false;
  std::vector<RecordedRequest> requests_;
  std::set<int> remote_ports_;
};

// A raw TCP server that answers every request with scripted bytes, for what a well-behaved
// HTTP library will not send: truncated bodies, resets, hand-made gzip.
class ScriptedServer {
 public:
  // `respond` gets the raw request (headers and body) and returns the bytes to write; the
  // connection is then closed.
  explicit ScriptedServer(std::function<std::string(const std::string&)> respond);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::size_t request_count() const { return requests_.load(); }

 private:
  void serve();

  std::function<std::string(const std::string&)> respond_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> requests_{0};
  std::thread thread_;
};

// The value of the first header named `name` (in any case) in a raw request, as a
// ScriptedServer receives it; nullopt when it has none.
std::optional<std::string> raw_header(const std::string& raw, std::string_view name);

// A listening TCP socket on 127.0.0.1 with a free port (written to `port`); throws on failure.
int bind_loopback(int backlog, int& port);

// Returns once `server`'s listen loop runs (after listen_after_bind started on a thread).
void wait_until_running(const httplib::Server& server);

// A port on 127.0.0.1 that refuses connections (bound, then closed).
int refused_port();

// A listening socket whose accept queue is full, so that a further connect hangs: the way
// to see a connect timeout without leaving loopback.
class BlackholeServer {
 public:
  BlackholeServer();
  ~BlackholeServer();
  BlackholeServer(const BlackholeServer&) = delete;
  BlackholeServer& operator=(const BlackholeServer&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

// Sockets of this machine still connecting (SYN_SENT) to 127.0.0.1:`port`, from /proc/net/tcp:
// how a test sees that a client is inside its connect to a BlackholeServer.
std::size_t connecting_sockets(int port);

// gzip-compresses `text` (RFC 1952), as a server with Content-Encoding: gzip would.
std::string gzip(const std::string& text);

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_TEST_SERVER_HPP_
