#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "text.hpp"

namespace pixxel::testing {

std::optional<std::string> raw_header(const std::string& raw, std::string_view name) {
  const std::string_view head = std::string_view(raw).substr(0, raw.find("\r\n\r\n"));
  std::size_t line = head.find("\r\n");  // after the request line
  while (line != std::string_view::npos) {
    const std::size_t start = line + 2;
    line = head.find("\r\n", start);
    const std::string_view text = head.substr(start, line - start);
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos && internal::iequals(text.substr(0, colon), name)) {
      return std::string(internal::trim(text.substr(colon + 1)));
    }
  }
  return std::nullopt;
}

int bind_loopback(int backlog, int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, backlog) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/listen on 127.0.0.1 failed");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

void wait_until_running(const httplib::Server& server) {
  // httplib's stop() does nothing until the listen loop has started, so a test that ends
  // quickly would otherwise hang in join().
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TestServer::TestServer(std::size_t threads) {
  server_.set_tcp_nodelay(true);
  // httplib closes a keep-alive connection after 5 requests by default, which would hide
  // whether the client reuses connections.
  server_.set_keep_alive_max_count(100000);
  // httplib's default pool has 8 threads, each held by a keep-alive connection until it has
  // been idle for 5 s: a 9th concurrent connection would wait that long.
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    RecordedRequest r{req.method, req.target, req.path, req.headers, req.body, req.remote_port};
    std::lock_guard<std::mutex> lock(mutex_);
    remote_ports_.insert(req.remote_port);
    requests_.push_back(std::move(r));
    return httplib::Server::HandlerResponse::Unhandled;
  });
}

TestServer::~TestServer() { stop(); }

void TestServer::start() {
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
  // httplib listens with a backlog of 5; a burst of connections would overflow it, and each
  // dropped SYN costs a 1 s retransmission. listen() again raises the backlog.
  ::listen(server_.listening_socket(), 1024);
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  wait_until_running(server_);
}

void TestServer::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
  }
  released_cv_.notify_all();
  if (thread_.joinable()) {
    server_.stop();
    thread_.join();
  }
}

std::vector<RecordedRequest> TestServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

RecordedRequest TestServer::last_request() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (requests_.empty()) throw std::runtime_error("no request was received");
  return requests_.back();
}

std::size_t TestServer::request_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

std::size_t TestServer::connection_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return remote_ports_.size();
}

void TestServer::hold(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  released_cv_.wait_for(lock, limit, [this] { return released_; });
}

ScriptedServer::ScriptedServer(std::function<std::string(const std::string&)> respond)
    : respond_(std::move(respond)) {
  listen_fd_ = bind_loopback(16, port_);
  thread_ = std::thread([this] { serve(); });
}

ScriptedServer::~ScriptedServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  ::close(listen_fd_);
}

void ScriptedServer::serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string request;
    char buffer[4096];
    // Read the head, then as much body as Content-Length announces.
    std::size_t want = std::string::npos;
    while (true) {
      const auto head_end = request.find("\r\n\r\n");
      if (head_end != std::string::npos && want == std::string::npos) {
        std::size_t length = 0;
        const auto cl = request.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) length = std::stoul(request.substr(cl + 16));
        want = head_end + 4 + length;
      }
      if (want != std::string::npos && request.size() >= want) break;
      pollfd c{fd, POLLIN, 0};
      if (::poll(&c, 1, 5000) <= 0) break;
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    ++requests_;
    const std::string answer = respond_(request);
    std::size_t sent = 0;
    while (sent < answer.size()) {
      const ssize_t n = ::send(fd, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::close(fd);
  }
}

int refused_port() {
  int port = 0;
  int fd = bind_loopback(1, port);
  ::close(fd);
  return port;
}

BlackholeServer::BlackholeServer() {
  listen_fd_ = bind_loopback(0, port_);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  // Connect until the accept queue is full and a connect no longer completes at once.
  for (int i = 0; i < 16; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    fillers_.push_back(fd);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 100) == 0) break;
  }
}

BlackholeServer::~BlackholeServer() {
  for (int fd : fillers_) ::close(fd);
  ::close(listen_fd_);
}

std::size_t connecting_sockets(int port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // the header
  char remote[32];
  std::snprintf(remote, sizeof remote, "0100007F:%04X", static_cast<unsigned>(port));
  std::size_t count = 0;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, peer, state;
    fields >> slot >> local >> peer >> state;
    if (peer == remote && state == "02") ++count;  // 02: TCP_SYN_SENT
  }
  return count;
}

std::string gzip(const std::string& text) {
  z_stream stream{};
  // 15 window bits + 16 selects the gzip wrapper.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace pixxel::testing
