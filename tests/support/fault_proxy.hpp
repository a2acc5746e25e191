#ifndef PIXXEL_TESTS_SUPPORT_FAULT_PROXY_HPP_
#define PIXXEL_TESTS_SUPPORT_FAULT_PROXY_HPP_

// A loopback TCP proxy that breaks connections on purpose, for the exactly-once campaign
// (tests/chaos): each accepted connection gets a Fault from the caller's plan, which cuts it
// (FIN), resets it (RST) or stalls it once a given number of bytes has gone one way, or lets it
// pass. It works below TLS, so a fault lands anywhere: in a handshake, a request, an answer,
// between two requests of a keep-alive or HTTP/2 connection.
//
// With `connect_proxy` it is also an HTTP proxy for https (what libcurl does with
// `https_proxy`): it reads the CONNECT request and either refuses it (502) or opens the tunnel
// to the port it names on 127.0.0.1, whatever host it names, so nothing leaves loopback (a
// port that refuses connections is answered 502, as a proxy does).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace pixxel::testing {

enum class FaultKind {
  pass,             // forward everything
  cut,              // at the offset, FIN both ways (shutdown), then drain until both close
  reset,            // at the offset, RST both ways (SO_LINGER 0)
  stall,            // from the offset on, drop what goes that way; keep the connection open
  connect_refused,  // connect_proxy only: answer the CONNECT with 502, tunnel nothing
};

enum class Direction { to_server, to_client };

struct Fault {
  FaultKind kind = FaultKind::pass;
  Direction direction = Direction::to_server;
  std::size_t offset = 0;  // bytes that go that way, through the tunnel, before the fault
};

const char* fault_kind_name(FaultKind kind);
const char* direction_name(Direction direction);

class FaultProxy {
 public:
  struct Options {
    int upstream_port = 0;        // on 127.0.0.1; unused with connect_proxy
    bool connect_proxy = false;   // expect an HTTP CONNECT first, as an https proxy
    // Called once per accepted connection (0-based, in accept order), on the accept thread.
    std::function<Fault(std::size_t connection)> plan;
    // A stalled or cut connection is closed after this at the latest, so that a client
    // without a timeout cannot hold a thread forever.
    std::chrono::milliseconds max_hold{10000};
  };

  explicit FaultProxy(Options options);
  ~FaultProxy();  // stop()
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  // Closes the listening socket and every connection, and joins every thread.
  void stop();

  std::size_t connections() const { return accepted_.load(); }
  // Faults that took effect (a cut planned past a connection's last byte never does), by
  // "kind direction" ("reset to_client", "connect_refused").
  std::map<std::string, std::size_t> fired() const;
  // The number of faults that took effect so far, for attributing them to a window of calls.
  std::size_t fired_total() const { return fired_total_.load(); }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void accept_loop();
  void serve(int client, Fault fault);
  int read_connect(int client, const Fault& fault);
  void refuse_connect(int client, std::chrono::steady_clock::time_point deadline);
  void record(const Fault& fault);
  void reap(bool all);

  Options options_;
  int port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // a pipe whose read end every poll watches: readable on stop()
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> fired_total_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::size_t> fired_;  // guarded by mutex_
  std::list<Worker> workers_;                 // touched by the accept thread, then stop()
  std::thread acceptor_;
};

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_FAULT_PROXY_HPP_
