#include "support/node_tls_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

extern char** environ;

namespace pixxel::testing {

namespace {

using Clock = std::chrono::steady_clock;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::string NodeTlsServer::ca_file() { return PIXXEL_TLS_DATA_DIR "/test-cert.pem"; }

std::string NodeTlsServer::script_dir() {
  const std::string js = PIXXEL_TLS_SERVER_JS;
  return js.substr(0, js.find_last_of('/'));
}

NodeTlsServer::NodeTlsServer(Options options) {
  // A write to a server that died must be an error here, not the end of the test program.
  ::signal(SIGPIPE, SIG_IGN);
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw std::runtime_error("pipe failed");
  }
  const std::string script = options.script.empty() ? PIXXEL_TLS_SERVER_JS : options.script;
  std::vector<std::string> args = {"node",           script,
                                   "--cert",         PIXXEL_TLS_DATA_DIR "/test-cert.pem",
                                   "--key",          PIXXEL_TLS_DATA_DIR "/test-key.pem",
                                   "--protocols",    options.http2 ? "h2" : "http1.1",
                                   "--goaway-every", std::to_string(options.goaway_every),
                                   "--latency",      std::to_string(options.latency.count())};
  if (options.close) args.emplace_back("--close");
  if (!options.plan.empty()) {
    args.emplace_back("--plan");
    args.push_back(options.plan);
  }
  args.insert(args.end(), options.script_args.begin(), options.script_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  const int spawned = posix_spawnp(&pid_, "node", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  to_child_ = in[1];
  from_child_ = out[0];
  if (spawned != 0) {
    pid_ = -1;
    close_fd(to_child_);
    close_fd(from_child_);
    throw std::runtime_error(std::string("cannot start `node` (Debian package nodejs): ") +
                             std::strerror(spawned));
  }
  try {
    const std::string line = read_line(std::chrono::seconds(20));
    if (line.rfind("port ", 0) != 0) throw std::runtime_error("tls_server.js said: " + line);
    port_ = std::stoi(line.substr(5));
  } catch (...) {
    stop();
    throw;
  }
}

NodeTlsServer::~NodeTlsServer() { stop(); }

void NodeTlsServer::stop() {
  close_fd(to_child_);
  if (pid_ > 0) {
    // It exits when its stdin closes; a hung one is killed rather than waited for forever.
    const auto limit = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 && Clock::now() < limit) {
      pollfd none{-1, 0, 0};
      ::poll(&none, 0, 10);
    }
    if (done == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  close_fd(from_child_);
}

std::string NodeTlsServer::read_line(std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const auto end = buffered_.find('\n');
    if (end != std::string::npos) {
      std::string line = buffered_.substr(0, end);
      buffered_.erase(0, end + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw std::runtime_error("tls_server.js did not answer in time");
    pollfd readable{from_child_, POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("tls_server.js exited (is `node` installed?)");
    buffered_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string NodeTlsServer::ask(const std::string& command, std::chrono::milliseconds limit) {
  const std::string line = command + "\n";
  if (::write(to_child_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    throw std::runtime_error("tls_server.js is gone");
  }
  return read_line(limit);
}

NodeTlsServer::Stats NodeTlsServer::stats() {
  const auto j = nlohmann::json::parse(ask("stats"));
  Stats s;
  s.sessions = j.at("sessions").get<long>();
  s.resumed = j.at("resumed").get<long>();
  s.h2_sessions = j.at("h2_sessions").get<long>();
  s.streams = j.at("streams").get<long>();
  s.goaways = j.at("goaways").get<long>();
  s.refused = j.at("refused").get<long>();
  s.requests_h2 = j.at("requests_h2").get<long>();
  s.requests_http1 = j.at("requests_http1").get<long>();
  s.processed = j.at("processed").get<long>();
  s.duplicates = j.at("duplicates").get<long>();
  s.max_open_sessions = j.at("max_open_sessions").get<long>();
  return s;
}

}  // namespace pixxel::testing
