#include "http_server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <utility>

#include "worker_pool.hpp"

// Why the keep-alive loop is ours: cpp-httplib 0.11.4 serves a connection in
// process_and_close_socket(), whose keep-alive wait polls the socket every 10 ms and looks at
// the server's state only between requests. A worker idling on a kept-alive connection
// therefore holds stop() for the whole keep-alive timeout (5 s), and httplib gives no handle
// on the accepted sockets with which to wake it. process_and_close_socket() is virtual (httplib
// overrides it for TLS), and process_request(), which parses, routes and answers one request
// from any httplib::Stream, is protected: this server overrides the first and serves each
// request through the second, on a stream whose every wait (for the next request, for the
// rest of one, for room to write) also watches an eventfd that stop_serving() makes readable.
// So stop() is prompt without knowing the sockets, and an idle connection sleeps in poll()
// instead of waking every 10 ms.

namespace pixxel::mock::detail {
namespace {

using std::chrono::milliseconds;

milliseconds to_milliseconds(time_t seconds, time_t microseconds) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::seconds(seconds) +
                                                  std::chrono::microseconds(microseconds));
}

bool ip_and_port(const sockaddr_storage& address, socklen_t size, std::string& ip, int& port) {
  if (address.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  } else if (address.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  } else {
    return false;
  }
  std::array<char, NI_MAXHOST> host{};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), size, host.data(),
                  static_cast<socklen_t>(host.size()), nullptr, 0, NI_NUMERICHOST) != 0) {
    return false;
  }
  ip = host.data();
  return true;
}

// One accepted connection, for all its requests: the read buffer survives from one request to
// the next, so pipelined bytes are not lost.
class Connection final : public httplib::Stream {
 public:
  Connection(socket_t sock, int wake_fd, milliseconds read_timeout, milliseconds write_timeout)
      : sock_(sock),
        wake_fd_(wake_fd),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  // False once `idle` passes without a byte, or stop_serving() was called.
  bool wait_for_request(milliseconds idle) const {
    return begin_ != end_ || (wait(POLLIN, idle) & POLLIN) != 0;
  }

  bool is_readable() const override {
    return begin_ != end_ || (wait(POLLIN, read_timeout_) & POLLIN) != 0;
  }

  bool is_writable() const override {
    const short events = wait(POLLOUT, write_timeout_);
    return (events & POLLOUT) != 0 && (events & (POLLERR | POLLHUP)) == 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      const ssize_t n = receive();
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    const std::size_t count = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_.data() + begin_, count);
    begin_ += count;
    return static_cast<ssize_t>(count);
  }

  ssize_t write(const char* ptr, size_t size) override {
    for (;;) {
      // Never blocks in send(), where stop_serving() could not reach it.
      const ssize_t n = ::send(sock_, ptr, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !is_writable()) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_) remote_ = address_of(&getpeername);
    ip = remote_->first;
    port = remote_->second;
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_) local_ = address_of(&getsockname);
    ip = local_->first;
    port = local_->second;
  }

  socket_t socket() const override { return sock_; }

 private:
  using Address = std::pair<std::string, int>;

  // The socket's revents once it is ready; 0 if `limit` passed or stop_serving() was called
  // first. A ready socket wins over the stop, so that work that needs no wait goes on.
  short wait(short events, milliseconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::array<pollfd, 2> fds{pollfd{sock_, events, 0}, pollfd{wake_fd_, POLLIN, 0}};
    for (;;) {
      const auto left =
          std::chrono::ceil<milliseconds>(deadline - std::chrono::steady_clock::now());
      const int n = ::poll(fds.data(), fds.size(),
                           static_cast<int>(std::max<milliseconds::rep>(left.count(), 0)));
      if (n > 0) return fds[0].revents;
      if (n == 0 || errno != EINTR) return 0;
    }
  }

  ssize_t receive() {
    for (;;) {
      const ssize_t n = ::recv(sock_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !is_readable()) return -1;
    }
  }

  template <typename Query>
  Address address_of(Query query) const {
    Address out{"", -1};
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    if (query(sock_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      ip_and_port(address, size, out.first, out.second);
    }
    return out;
  }

  const socket_t sock_;
  const int wake_fd_;
  const milliseconds read_timeout_;
  const milliseconds write_timeout_;
  std::array<char, 4096> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  mutable std::optional<Address> remote_;
  mutable std::optional<Address> local_;
};

}  // namespace

HttpServer::HttpServer() {
  new_task_queue = [] { return new WorkerPool(kMaxConnections); };
  // httplib closes a keep-alive connection after 5 requests by default; clients that pool
  // connections would reconnect for nothing.
  set_keep_alive_max_count(100000);
  // Without it every answer on a kept-alive connection waits ~40 ms for the client's delayed
  // ACK (Nagle's algorithm); accepted sockets inherit it from the listening one.
  set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second server bind a port that
  // is in use and silently take half of its connections.
  set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

HttpServer::~HttpServer() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

int HttpServer::bind(const std::string& host, int port) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return -1;
  const int bound = port == 0 ? bind_to_any_port(host) : (bind_to_port(host, port) ? port : -1);
  if (bound <= 0) return -1;
  // httplib listens with a backlog of 5: a burst of new connections (many clients, or
  // asynchronous calls) would overflow it, and each dropped SYN costs the client a 1 s
  // retransmission. listen() again raises the backlog of the bound socket.
  ::listen(svr_sock_, kListenBacklog);
  return bound;
}

void HttpServer::stop_serving() {
  stopping_ = true;
  // Never read, so it stays readable for every wait from now on.
  if (wake_fd_ >= 0) eventfd_write(wake_fd_, 1);
  stop();
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  Connection connection(sock, wake_fd_, to_milliseconds(read_timeout_sec_, read_timeout_usec_),
                        to_milliseconds(write_timeout_sec_, write_timeout_usec_));
  const milliseconds idle = to_milliseconds(keep_alive_timeout_sec_, 0);
  bool served = false;
  for (std::size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!connection.wait_for_request(idle) || stopping_) break;
    bool closed = false;
    served = process_request(connection, left == 1, closed, {});
    if (!served || closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

}  // namespace pixxel::mock::detail
