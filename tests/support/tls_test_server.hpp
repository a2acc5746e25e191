#ifndef PIXXEL_TESTS_SUPPORT_TLS_TEST_SERVER_HPP_
#define PIXXEL_TESTS_SUPPORT_TLS_TEST_SERVER_HPP_

// An in-process HTTPS/1.1 server (cpp-httplib's SSLServer over OpenSSL) on 127.0.0.1, with
// the test CA's certificate (tests/data/test-cert.pem), that counts TLS handshakes and how
// many of them resumed an earlier session: OpenSSL's own counters, which see stateless TLS
// 1.3 tickets too. It answers POST /v0/workflows/{w}/jobs with a job whose created_by is the
// project_id.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class SSLServer;
}

namespace pixxel::testing {

class TlsTestServer {
 public:
  struct Options {
    bool close = false;  // Connection: close on every answer (a new TLS connection per call)
    std::chrono::milliseconds latency{0};  // answer this long after a request arrived
    int threads = 8;                       // connections served at once
    bool tls12_only = false;  // refuse TLS 1.3 (whose tickets a client should use once each)
  };
  explicit TlsTestServer(Options options);
  TlsTestServer() : TlsTestServer(Options{}) {}
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  long handshakes() const;  // TLS handshakes completed
  long resumed() const;     // of them, resumptions of an earlier session
  long requests() const { return requests_.load(); }

  static std::string ca_file();

 private:
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<long> requests_{0};
};

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_TLS_TEST_SERVER_HPP_
