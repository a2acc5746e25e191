#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>

#include "support/test_server.hpp"

namespace pixxel::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Small TLS records through a proxy that waits for ACKs would add ~40 ms per exchange
// (Nagle's algorithm meets delayed ACK), and a blocked write must not hold a thread forever.
void tune(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval limit{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

// close() now sends RST instead of FIN.
void arm_reset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  tune(fd);
  return fd;
}

int millis_until(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

}  // namespace

const char* fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::pass:
      return "pass";
    case FaultKind::cut:
      return "cut";
    case FaultKind::reset:
      return "reset";
    case FaultKind::stall:
      return "stall";
    case FaultKind::connect_refused:
      return "connect_refused";
  }
  return "?";
}

const char* direction_name(Direction direction) {
  return direction == Direction::to_server ? "to_server" : "to_client";
}

FaultProxy::FaultProxy(Options options) : options_(std::move(options)) {
  if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  try {
    listen_fd_ = bind_loopback(128, port_);
  } catch (...) {
    ::close(wake_[0]);
    ::close(wake_[1]);
    throw;
  }
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() { stop(); }

void FaultProxy::stop() {
  if (stopping_.exchange(true)) return;
  const char byte = 0;
  // Never read: the pipe stays readable, so every poll, present and future, wakes up.
  while (::write(wake_[1], &byte, 1) < 0 && errno == EINTR) {
  }
  acceptor_.join();
  ::close(listen_fd_);
  reap(true);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

std::map<std::string, std::size_t> FaultProxy::fired() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fired_;
}

void FaultProxy::record(const Fault& fault) {
  std::string key = fault_kind_name(fault.kind);
  if (fault.kind != FaultKind::connect_refused) key += std::string(" ") + direction_name(fault.direction);
  std::lock_guard<std::mutex> lock(mutex_);
  ++fired_[key];
  ++fired_total_;
}

void FaultProxy::reap(bool all) {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (all || it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void FaultProxy::accept_loop() {
  while (!stopping_.load()) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) continue;  // EINTR
    if (p[1].revents != 0) break;
    if ((p[0].revents & POLLIN) == 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    tune(client);
    const std::size_t index = accepted_++;
    const Fault fault = options_.plan ? options_.plan(index) : Fault{};
    reap(false);
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back(Worker{std::thread([this, client, fault, done] {
                                serve(client, fault);
                                done->store(true);
                              }),
                              done});
  }
}

// Reads the CONNECT request and returns the port it names, or -1 when the connection is over
// (refused by the plan, not a CONNECT, the client went away). Bytes the client sent after its
// request are not expected (it waits for our answer) and would be dropped.
int FaultProxy::read_connect(int client, const Fault& fault) {
  std::string head;
  const auto deadline = Clock::now() + options_.max_hold;
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > 16384 || stopping_.load()) return -1;
    pollfd p[2] = {{client, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    const int ready = ::poll(p, 2, millis_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || p[1].revents != 0) return -1;
    char chunk[4096];
    const ssize_t n = ::recv(client, chunk, sizeof chunk, 0);
    if (n <= 0) return -1;
    head.append(chunk, static_cast<std::size_t>(n));
  }
  int port = -1;
  const auto space = head.find(' ', 8);
  const auto colon = head.rfind(':', space);
  if (head.rfind("CONNECT ", 0) == 0 && space != std::string::npos &&
      colon != std::string::npos && colon > 8) {
    port = std::atoi(head.substr(colon + 1, space - colon - 1).c_str());
  }
  if (port <= 0 || port > 65535) {
    static constexpr char kBad[] =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    send_all(client, kBad, sizeof kBad - 1);
    return -1;
  }
  if (fault.kind == FaultKind::connect_refused) {
    record(fault);
    refuse_connect(client, deadline);
    return -1;
  }
  return port;
}

void FaultProxy::refuse_connect(int client, std::chrono::steady_clock::time_point deadline) {
  static constexpr char kRefused[] =
      "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n"
      "Connection: close\r\n\r\nupstream refused\n";
  send_all(client, kRefused, sizeof kRefused - 1);
  // FIN, then wait for the client's: closing with its bytes unread would send RST instead.
  ::shutdown(client, SHUT_WR);
  while (!stopping_.load()) {
    pollfd p[2] = {{client, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    const int ready = ::poll(p, 2, millis_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || p[1].revents != 0) break;
    char chunk[4096];
    if (::recv(client, chunk, sizeof chunk, 0) <= 0) break;
  }
}

void FaultProxy::serve(int client, Fault fault) {
  int port = options_.upstream_port;
  if (options_.connect_proxy) {
    port = read_connect(client, fault);
    if (port < 0) {
      ::close(client);
      return;
    }
  }
  const int upstream = connect_loopback(port);
  if (upstream < 0) {
    if (options_.connect_proxy) {
      refuse_connect(client, Clock::now() + options_.max_hold);
    } else {
      arm_reset(client);
    }
    ::close(client);
    return;
  }
  if (options_.connect_proxy) {
    static constexpr char kEstablished[] = "HTTP/1.1 200 Connection established\r\n\r\n";
    if (!send_all(client, kEstablished, sizeof kEstablished - 1)) {
      ::close(client);
      ::close(upstream);
      return;
    }
  }
  // Index 0 reads the client (bytes going to_server), 1 reads the server (to_client).
  const int fds[2] = {client, upstream};
  std::size_t moved[2] = {0, 0};
  bool reading[2] = {true, true};
  bool dropping[2] = {false, false};
  bool fired = fault.kind == FaultKind::pass || fault.kind == FaultKind::connect_refused;
  bool reset = false;
  std::optional<Clock::time_point> hold_until;
  static constexpr std::size_t kChunk = 16384;
  auto buffer = std::make_unique<char[]>(kChunk);
  while (!stopping_.load() && (reading[0] || reading[1])) {
    pollfd p[3] = {{fds[0], static_cast<short>(reading[0] ? POLLIN : 0), 0},
                   {fds[1], static_cast<short>(reading[1] ? POLLIN : 0), 0},
                   {wake_[0], POLLIN, 0}};
    const int ready = ::poll(p, 3, hold_until ? millis_until(*hold_until) : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0 || p[2].revents != 0) break;  // held long enough, or stopping
    bool over = false;
    for (int side = 0; side < 2 && !over; ++side) {
      if (!reading[side] || (p[side].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::recv(fds[side], buffer.get(), kChunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        // The peer reset: so does the other side, as a plain TCP path would show it.
        reset = true;
        over = true;
        break;
      }
      if (n == 0) {
        reading[side] = false;
        if (!dropping[side]) ::shutdown(fds[1 - side], SHUT_WR);
        continue;
      }
      if (dropping[side]) continue;
      const Direction direction = side == 0 ? Direction::to_server : Direction::to_client;
      std::size_t length = static_cast<std::size_t>(n);
      const bool trigger =
          !fired && fault.direction == direction && moved[side] + length >= fault.offset;
      if (trigger) length = fault.offset - moved[side];
      if (length > 0 && !send_all(fds[1 - side], buffer.get(), length)) {
        reset = true;
        over = true;
        break;
      }
      moved[side] += length;
      if (!trigger) continue;
      fired = true;
      record(fault);
      switch (fault.kind) {
        case FaultKind::cut:
          ::shutdown(client, SHUT_WR);
          ::shutdown(upstream, SHUT_WR);
          dropping[0] = dropping[1] = true;
          hold_until = Clock::now() + options_.max_hold;
          break;
        case FaultKind::reset:
          reset = true;
          over = true;
          break;
        case FaultKind::stall:
          dropping[side] = true;
          hold_until = Clock::now() + options_.max_hold;
          break;
        case FaultKind::pass:
        case FaultKind::connect_refused:
          break;
      }
    }
    if (over) break;
  }
  if (reset) {
    arm_reset(client);
    arm_reset(upstream);
  }
  ::close(client);
  ::close(upstream);
}

}  // namespace pixxel::testing
