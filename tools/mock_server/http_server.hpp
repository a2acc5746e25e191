// How the mock takes and serves connections: cpp-httplib's parsing and routing, with the
// accept backlog, the threads and the keep-alive handling of a server for many clients.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace pixxel::mock::detail {

/// A thread per connection, started on demand, up to this many connections at once; more
/// wait for one to close. (Debian's cpp-httplib, built without CPPHTTPLIB_USE_POLL, also
/// answers 500 on a socket numbered FD_SETSIZE (1024) or above.)
constexpr std::size_t kMaxConnections = 1024;

/// Connections the kernel completes and queues before the server accepts them.
constexpr int kListenBacklog = 1024;

/// @par Thread Safety
/// `stop_serving` may be called from any thread, once `listen_after_bind` runs.
class HttpServer final : public httplib::Server {
 public:
  HttpServer();
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds `host`:`port` (0: any free port) and returns the port, or -1. Serve with
  /// listen_after_bind().
  int bind(const std::string& host, int port);

  /// Stops accepting and ends every connection as soon as it would wait (for its next
  /// request, or for a slow peer), so that listen_after_bind() returns promptly.
  void stop_serving();

 private:
  bool process_and_close_socket(socket_t sock) override;

  int wake_fd_ = -1;  // readable once stop_serving() was called
  std::atomic<bool> stopping_{false};
};

}  // namespace pixxel::mock::detail
