// The pixxel CLI run as a child process against the in-process mock server: the runner
// (stdout, stderr, exit code, a pseudo-terminal when asked, a watchdog) and the fixture the
// CLI suites share. Each suite that includes it defines PIXXEL_EXE, the binary to run.
#ifndef PIXXEL_TESTS_SUPPORT_CLI_FIXTURE_HPP_
#define PIXXEL_TESTS_SUPPORT_CLI_FIXTURE_HPP_

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "mock_server.hpp"
#include "pixxel/version.hpp"
#include "support/test_server.hpp"

namespace pixxel::testing::cli {

using namespace pixxel_cli;  // the exit codes, by name

using std::chrono::milliseconds;

inline constexpr const char* kApiKey = "cli-test-key-5f2c";
constexpr milliseconds kJobDuration{600};
// The mock's time moves on by this much with every GET it answers, so a job advances with
// the CLI's polls rather than with the machine's clock: every run sees the same states.
constexpr milliseconds kStepPerGet{100};
constexpr auto kWatchdog = std::chrono::seconds(30);
constexpr const char* kFastPolls = "--poll-interval=0.05";

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed
  int signal = 0;      // the signal that killed it, if one did
  bool timed_out = false;
  std::string out;
  std::string err;  // also what a terminal on stderr received
};

struct RunOptions {
  std::vector<std::string> env;  // the child's whole environment
  std::string cwd;               // empty: this process's
  bool terminal_stderr = false;  // stderr is a pseudo-terminal instead of a pipe
  std::string program;           // empty: PIXXEL_EXE
  // Sends the child SIGINT (as Ctrl-C does) once, as soon as this holds for its stderr so far.
  std::function<bool(const std::string& err)> interrupt_when;
  // stdout is this file (such as /dev/full) instead of a pipe.
  std::string stdout_path;
  // stdout is a pipe nobody reads: its read end is closed before the child writes.
  bool stdout_reader_gone = false;
};

struct Fd {
  int fd = -1;
  explicit Fd(int value = -1) : fd(value) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void reset() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

// Runs pixxel with `args`, collecting stdout and stderr until it exits; kills it when it
// runs longer than kWatchdog. Always reaps the child.
inline RunResult run_cli(const std::vector<std::string>& args, const RunOptions& options) {
  RunResult result;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  Fd err_read, err_write;
  if (options.terminal_stderr) {
    int master = -1;
    int slave = -1;
    if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
      throw std::runtime_error("openpty failed");
    }
    err_read.fd = master;
    err_write.fd = slave;
    fcntl(master, F_SETFD, FD_CLOEXEC);
    fcntl(slave, F_SETFD, FD_CLOEXEC);
    termios raw{};  // no "\n" -> "\r\n": what the program writes arrives as written
    tcgetattr(slave, &raw);
    cfmakeraw(&raw);
    tcsetattr(slave, TCSANOW, &raw);
  } else {
    if (pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    err_read.fd = err_pipe[0];
    err_write.fd = err_pipe[1];
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (options.stdout_path.empty()) {
    posix_spawn_file_actions_adddup2(&actions, out_write.fd, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.stdout_path.c_str(), O_WRONLY,
                                     0);
  }
  posix_spawn_file_actions_adddup2(&actions, err_write.fd, STDERR_FILENO);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

  const std::string program = options.program.empty() ? PIXXEL_EXE : options.program;
  std::vector<std::string> argv_strings = {program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = options.env;
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int spawned =
      posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("posix_spawn failed: " + std::to_string(spawned));
  out_write.reset();
  err_write.reset();  // else the pty master never reports the end
  if (options.stdout_reader_gone) out_read.reset();

  const auto deadline = std::chrono::steady_clock::now() + kWatchdog;
  bool interrupted = false;
  std::vector<std::pair<Fd*, std::string*>> open = {{&err_read, &result.err}};
  if (out_read.fd >= 0) open.push_back({&out_read, &result.out});
  while (!open.empty()) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    std::vector<pollfd> fds;
    for (const auto& entry : open) fds.push_back({entry.first->fd, POLLIN, 0});
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) break;
    for (std::size_t i = fds.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        open[i].second->append(buffer, static_cast<std::size_t>(n));
        if (options.interrupt_when && !interrupted && options.interrupt_when(result.err)) {
          kill(pid, SIGINT);
          interrupted = true;
        }
      } else if (n == 0 || errno != EINTR) {  // EOF, or EIO from a pty whose slave closed
        open[i].first->reset();
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = 128 + result.signal;
  }
  return result;
}

inline ::testing::AssertionResult exited_with(const RunResult& result, int code) {
  if (!result.timed_out && result.signal == 0 && result.exit_code == code)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << (result.timed_out ? "killed after the watchdog's 30 s; " : "")
         << (result.signal != 0 ? "killed by signal " + std::to_string(result.signal) + "; " : "")
         << "exit code " << result.exit_code << ", expected " << code << "\n--- stdout:\n"
         << result.out << "--- stderr:\n"
         << result.err;
}

inline std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) {
    ++count;
  }
  return count;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pixxel::mock::MockOptions options;
    options.api_key = kApiKey;
    options.job_duration = kJobDuration;
    options.clock = [] { return clock_.now(); };
    options.on_request = [](const pixxel::mock::RequestLog& log) {
      if (log.method == "GET") clock_.advance(kStepPerGet);
    };
    server_ = std::make_unique<pixxel::mock::MockServer>(options);
    server_->start();
  }
  static void TearDownTestSuite() { server_.reset(); }

  void TearDown() override {
    server_->set_job_duration(kJobDuration);
    if (!temp_dir_.empty()) std::filesystem::remove_all(temp_dir_);
  }

  // The environment of a run: the key and the server, and whatever sanitizers need.
  static std::vector<std::string> environment(const std::string& api_key = kApiKey) {
    std::vector<std::string> env = {"PIXXEL_BASE_URL=" + server_->base_url()};
    if (!api_key.empty()) env.push_back("PIXXEL_API_KEY=" + api_key);
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
    }
    return env;
  }

  static RunResult run(const std::vector<std::string>& args, RunOptions options = {}) {
    if (options.env.empty()) options.env = environment();
    return run_cli(args, options);
  }

  // Creates a job through the CLI and returns its id.
  static std::string create_job(const std::string& workflow) {
    const RunResult result = run({"--json", "jobs", "create", workflow, "--project", "proj-cli"});
    EXPECT_TRUE(exited_with(result, kOk));
    return nlohmann::json::parse(result.out).at("id").get<std::string>();
  }

  const std::filesystem::path& temp_dir() {
    if (temp_dir_.empty()) {
      std::string pattern = (std::filesystem::temp_directory_path() / "pixxel-cli-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
      temp_dir_ = pattern;
    }
    return temp_dir_;
  }

  static inline pixxel::mock::ManualClock clock_;
  static inline std::unique_ptr<pixxel::mock::MockServer> server_;

 private:
  std::filesystem::path temp_dir_;
};

}  // namespace pixxel::testing::cli

#endif  // PIXXEL_TESTS_SUPPORT_CLI_FIXTURE_HPP_
