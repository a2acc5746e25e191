#ifndef PIXXEL_TESTS_SUPPORT_NODE_TLS_SERVER_HPP_
#define PIXXEL_TESTS_SUPPORT_NODE_TLS_SERVER_HPP_

// A loopback TLS server in a Node.js child process (tests/support/tls_server.js), for what
// cpp-httplib cannot do: HTTP/2, graceful GOAWAYs, and counting TLS connections and session
// resumptions. Its certificate is tests/data/test-cert.pem (its own CA, for 127.0.0.1 and
// localhost): trust it with `ca_bundle = NodeTlsServer::ca_file()`.

#include <sys/types.h>
#include <chrono>
#include <string>
#include <vector>

namespace pixxel::testing {

class NodeTlsServer {
 public:
  struct Options {
    bool http2 = true;     // offer h2 and http/1.1 (ALPN); false: http/1.1 only
    int goaway_every = 0;  // refuse a session's Nth stream, and later ones, with a GOAWAY
    std::chrono::milliseconds latency{0};  // answer this long after a request arrived
    bool close = false;                    // HTTP/1.1: Connection: close on every answer
    // Another script that speaks the same protocol (port line, stdin commands), such as
    // chaos_server.js; empty: tls_server.js. `script_args` are appended to its options.
    std::string script;
    std::vector<std::string> script_args;
    // tls_server.js --plan: what to do with each request of a method, in turn.
    std::string plan;
  };

  // What the server counted (see tls_server.js).
  struct Stats {
    long sessions = 0, resumed = 0, h2_sessions = 0, streams = 0, goaways = 0, refused = 0;
    long requests_h2 = 0, requests_http1 = 0, processed = 0, duplicates = 0;
    long max_open_sessions = 0;
  };

  // Starts `node` (from PATH) and waits for its port. Throws std::runtime_error, naming what
  // is missing, when it cannot: a test must fail, not skip, without Node.js.
  explicit NodeTlsServer(Options options);
  NodeTlsServer() : NodeTlsServer(Options{}) {}
  // Closes its stdin (the server exits), and kills it if it has not within 5 s.
  ~NodeTlsServer();
  NodeTlsServer(const NodeTlsServer&) = delete;
  NodeTlsServer& operator=(const NodeTlsServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  Stats stats();
  // Sends one command line and returns the server's one-line answer.
  std::string ask(const std::string& command,
                  std::chrono::milliseconds limit = std::chrono::seconds(20));

  static std::string ca_file();
  // The directory of the support scripts (tls_server.js, chaos_server.js).
  static std::string script_dir();

 private:
  std::string read_line(std::chrono::milliseconds limit);
  void stop();

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffered_;
  int port_ = 0;
};

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_NODE_TLS_SERVER_HPP_
