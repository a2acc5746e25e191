#include "support/keep_alive_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string_view>

#include "support/test_server.hpp"

namespace pixxel::testing {

KeepAliveServer::KeepAliveServer(Script script) : script_(std::move(script)) {
  int port = 0;
  listen_fd_ = bind_loopback(64, port);
  port_ = port;
  acceptor_ = std::thread([this] { accept_loop(); });
}

KeepAliveServer::~KeepAliveServer() {
  stopping_ = true;
  stop_listening();
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Wakes the workers blocked in recv(); each closes its own descriptor.
    for (const auto& [connection, fd] : open_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& worker : workers) worker.join();
}

void KeepAliveServer::stop_listening() {
  const int fd = listen_fd_.exchange(-1);
  if (fd < 0) return;
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

std::vector<ReceivedRequest> KeepAliveServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::size_t KeepAliveServer::count(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (const auto& r : requests_) n += r.method == method ? 1 : 0;
  return n;
}

std::string KeepAliveServer::json_answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void KeepAliveServer::accept_loop() {
  while (!stopping_) {
    const int listen_fd = listen_fd_.load();
    if (listen_fd < 0) return;
    pollfd p{listen_fd, POLLIN, 0};
    // Bounded so that a closed listener (stop_listening) is noticed.
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t connection = connections_++;
    open_[connection] = fd;
    workers_.emplace_back([this, fd, connection] { serve(fd, connection); });
  }
}

void KeepAliveServer::serve(int fd, std::size_t connection) {
  std::string buffer;
  char chunk[4096];
  for (std::size_t index = 0;; ++index) {
    // One request: the head, then as many body bytes as Content-Length announces.
    std::size_t want = std::string::npos;
    bool closed = false;
    while (want == std::string::npos || buffer.size() < want) {
      const auto head_end = buffer.find("\r\n\r\n");
      if (want == std::string::npos && head_end != std::string::npos) {
        std::size_t length = 0;
        const auto cl = buffer.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) length = std::stoul(buffer.substr(cl + 16));
        want = head_end + 4 + length;
        continue;
      }
      const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    if (closed || stopping_) break;
    ReceivedRequest request{connection, index, buffer.substr(0, buffer.find(' ')),
                            buffer.substr(0, want)};
    buffer.erase(0, want);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
    }
    const ScriptedReply reply = script_(request);
    if (reply.stop_listening) stop_listening();
    if (!reply.bytes) break;
    std::string_view out = *reply.bytes;
    while (!out.empty()) {
      const ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      out.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  open_.erase(connection);
  ::close(fd);
}

}  // namespace pixxel::testing
