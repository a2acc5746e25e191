#ifndef PIXXEL_TESTS_SUPPORT_KEEP_ALIVE_SERVER_HPP_
#define PIXXEL_TESTS_SUPPORT_KEEP_ALIVE_SERVER_HPP_

// A raw HTTP/1.1 server that keeps each connection open across requests, as production
// servers do, and lets a test script what happens to each request on each connection:
// answer it, or read it and close without a word (a server that crashed after acting on it).

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pixxel::testing {

struct ReceivedRequest {
  std::size_t connection = 0;  // 0-based, in the order connections were accepted
  std::size_t index = 0;       // 0-based position of the request on its connection
  std::string method;
  std::string raw;  // head and body as received
};

struct ScriptedReply {
  // The bytes to write; nullopt closes the connection without answering.
  std::optional<std::string> bytes;
  // Closes the listening socket first, so that a reconnect is refused.
  bool stop_listening = false;
};

class KeepAliveServer {
 public:
  using Script = std::function<ScriptedReply(const ReceivedRequest&)>;

  explicit KeepAliveServer(Script script);
  ~KeepAliveServer();
  KeepAliveServer(const KeepAliveServer&) = delete;
  KeepAliveServer& operator=(const KeepAliveServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<ReceivedRequest> requests() const;
  std::size_t count(const std::string& method) const;
  std::size_t connection_count() const { return connections_.load(); }

  // A keep-alive answer with a JSON body.
  static std::string json_answer(int status, const std::string& body);

 private:
  void accept_loop();
  void serve(int fd, std::size_t connection);
  void stop_listening();

  Script script_;
  int port_ = 0;
  std::atomic<int> listen_fd_{-1};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> connections_{0};
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;  // guarded by mutex_
  std::map<std::size_t, int> open_;        // connection -> fd, guarded by mutex_
  std::vector<std::thread> workers_;       // guarded by mutex_
  std::thread acceptor_;
};

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_KEEP_ALIVE_SERVER_HPP_
