// The pixxel command-line tool, run as a child process against the in-process mock
// server: its output and, above all, its exit codes.
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

namespace {

using namespace pixxel_examples;
using std::chrono::milliseconds;

constexpr const char* kApiKey = "cli-test-key-5f2c";
constexpr milliseconds kJobDuration{600};
// The mock's time moves on by this much with every GET it answers, so a job advances with
// the CLI's polls rather than with the machine's clock: every run sees the same states.
constexpr milliseconds kStepPerGet{100};
constexpr auto kWatchdog = std::chrono::seconds(30);
constexpr const char* kFastPolls = "--poll-interval=0.05";

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed
  bool timed_out = false;
  std::string out;
  std::string err;  // also what a terminal on stderr received
};

struct RunOptions {
  std::vector<std::string> env;  // the child's whole environment
  std::string cwd;               // empty: this process's
  bool terminal_stderr = false;  // stderr is a pseudo-terminal instead of a pipe
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
RunResult run_cli(const std::vector<std::string>& args, const RunOptions& options) {
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
  posix_spawn_file_actions_adddup2(&actions, out_write.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.fd, STDERR_FILENO);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

  std::vector<std::string> argv_strings = {PIXXEL_EXE};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = options.env;
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, PIXXEL_EXE, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("posix_spawn failed: " + std::to_string(spawned));
  out_write.reset();
  err_write.reset();  // else the pty master never reports the end

  const auto deadline = std::chrono::steady_clock::now() + kWatchdog;
  std::vector<std::pair<Fd*, std::string*>> open = {{&out_read, &result.out},
                                                    {&err_read, &result.err}};
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
  if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  return result;
}

::testing::AssertionResult exited_with(const RunResult& result, int code) {
  if (!result.timed_out && result.exit_code == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << (result.timed_out ? "killed after the watchdog's 30 s; " : "") << "exit code "
         << result.exit_code << ", expected " << code << "\n--- stdout:\n"
         << result.out << "--- stderr:\n"
         << result.err;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) {
    ++count;
  }
  return count;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string read_file(const std::filesystem::path& path) {
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

  static pixxel::mock::ManualClock clock_;
  static std::unique_ptr<pixxel::mock::MockServer> server_;

 private:
  std::filesystem::path temp_dir_;
};

pixxel::mock::ManualClock CliTest::clock_;
std::unique_ptr<pixxel::mock::MockServer> CliTest::server_;

TEST_F(CliTest, CreatePrintsTheJobAndItsThreeTasks) {
  const std::size_t jobs_before = server_->job_count();
  const RunResult result = run({"jobs", "create", "wf-create", "--project", "proj-1"});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(server_->job_count(), jobs_before + 1);
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 5u) << result.out;  // the job, the table's header, three tasks
  EXPECT_EQ(lines[0].rfind("job ", 0), 0u);
  EXPECT_NE(lines[0].find("(workflow wf-create)"), std::string::npos);
  EXPECT_NE(lines[0].find("cost 30"), std::string::npos);
  EXPECT_NE(lines[1].find("TASK"), std::string::npos);
  EXPECT_NE(lines[2].find("ingest"), std::string::npos);
  EXPECT_NE(lines[3].find("process"), std::string::npos);
  EXPECT_NE(lines[4].find("export"), std::string::npos);
}

TEST_F(CliTest, CreateWithWaitReachesCompletedWithPlainProgressLinesOnStderr) {
  const RunResult result =
      run({"jobs", "create", "wf-wait", "--project", "proj-1", "--wait", kFastPolls});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_NE(result.out.find(": completed, 100%"), std::string::npos) << result.out;
  EXPECT_EQ(count_of(result.out, "completed"), 4u) << result.out;  // the job and its tasks

  // stderr is a pipe: no bar, no '\r', one line per change rather than per poll.
  EXPECT_EQ(result.err.find('\r'), std::string::npos);
  std::vector<std::string> progress;
  for (const auto& line : lines_of(result.err)) {
    if (line.rfind("job ", 0) == 0) progress.push_back(line);
  }
  ASSERT_GE(progress.size(), 2u) << result.err;
  for (std::size_t i = 1; i < progress.size(); ++i) EXPECT_NE(progress[i], progress[i - 1]);
  EXPECT_NE(progress.back().find("completed, 100%"), std::string::npos) << result.err;
}

TEST_F(CliTest, CreateWithJsonPrintsTheJobAsJson) {
  const RunResult result = run({"jobs", "create", "wf-json", "--project", "proj-1", "--json"});
  ASSERT_TRUE(exited_with(result, kOk));
  const auto job = nlohmann::json::parse(result.out);
  ASSERT_TRUE(job.at("id").is_string());
  EXPECT_FALSE(job["id"].get<std::string>().empty());
  EXPECT_EQ(job.at("workflow_id"), "wf-json");
  EXPECT_EQ(job.at("tasks").size(), 3u);

  const RunResult listed =
      run({"--json", "jobs", "list", "wf-json", "--id", job["id"].get<std::string>()});
  ASSERT_TRUE(exited_with(listed, kOk));
  const auto jobs = nlohmann::json::parse(listed.out);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].at("id"), job["id"]);
}

TEST_F(CliTest, GetPrintsTheJob) {
  const std::string id = create_job("wf-get");
  const RunResult result = run({"jobs", "get", "wf-get", id});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(result.out.rfind("job " + id + " (workflow wf-get)", 0), 0u) << result.out;
  for (const char* task : {"ingest", "process", "export"}) {
    EXPECT_NE(result.out.find(task), std::string::npos) << result.out;
  }
}

TEST_F(CliTest, ListFiltersByStatus) {
  const std::string done = create_job("wf-list");
  ASSERT_TRUE(exited_with(run({"jobs", "wait", "wf-list", done, kFastPolls}), kOk));
  server_->set_job_duration(std::chrono::minutes(10));
  const std::string running = create_job("wf-list");

  const RunResult completed = run({"jobs", "list", "wf-list", "--status", "completed"});
  ASSERT_TRUE(exited_with(completed, kOk));
  EXPECT_NE(completed.out.find(done), std::string::npos) << completed.out;
  EXPECT_EQ(completed.out.find(running), std::string::npos) << completed.out;
  EXPECT_EQ(lines_of(completed.out).size(), 2u) << completed.out;  // a header and the job

  const RunResult all = run({"jobs", "list", "wf-list"});
  ASSERT_TRUE(exited_with(all, kOk));
  EXPECT_NE(all.out.find(done), std::string::npos);
  EXPECT_NE(all.out.find(running), std::string::npos);
}

TEST_F(CliTest, WaitOnAFailingJobExitsWithJobFailed) {
  const std::string id = create_job("wf-fail");
  const RunResult result = run({"jobs", "wait", "wf-fail", id, kFastPolls});
  ASSERT_TRUE(exited_with(result, kJobFailed));
  EXPECT_NE(result.out.find("job " + id + " (workflow wf-fail): failed"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("error in task export"), std::string::npos) << result.out;
  EXPECT_NE(result.err.find("ended with status failed"), std::string::npos) << result.err;
}

TEST_F(CliTest, WaitGivesUpWithTimeoutAtItsTimeout) {
  server_->set_job_duration(std::chrono::minutes(10));
  const std::string id = create_job("wf-slow");
  const RunResult result = run({"jobs", "wait", "wf-slow", id, "--timeout", "0.3", kFastPolls});
  EXPECT_TRUE(exited_with(result, kTimeout));
}

TEST_F(CliTest, WaitRidesOutAnOutageSayingSoUntilItsTimeout) {
  server_->set_job_duration(std::chrono::minutes(10));
  const std::string id = create_job("wf-outage");
  server_->set_fail_rate(1.0);  // every request from now on is a 503
  struct Restore {
    ~Restore() { server_->set_fail_rate(0); }
  } restore;
  const RunResult result =
      run({"--retries", "0", "jobs", "wait", "wf-outage", id, "--timeout", "1", kFastPolls});
  // Without riding out the 503s, the first failed poll would end it with kServerError.
  EXPECT_TRUE(exited_with(result, kTimeout));
  EXPECT_GE(count_of(result.err, "still waiting"), 1u) << result.err;
  EXPECT_NE(result.err.find("503"), std::string::npos) << result.err;
}

TEST_F(CliTest, DownloadWritesTheZipWithoutSendingTheKeyToTheSignedUrl) {
  const std::string id = create_job("wf-download");
  const std::size_t downloads_before = server_->download_count();
  const auto output = temp_dir() / "out.zip";
  const RunResult result = run(
      {"jobs", "download", "wf-download", id, "--output", output.string(), "--wait", kFastPolls});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(read_file(output).substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_EQ(server_->download_count(), downloads_before + 1);
  EXPECT_EQ(server_->last_download_authorization(), std::nullopt);
  EXPECT_NE(result.out.find(output.string()), std::string::npos) << result.out;
  EXPECT_FALSE(std::filesystem::exists(output.string() + ".part"));
}

TEST_F(CliTest, DownloadOfARunningJobWaitsForItsArchive) {
  const std::string id = create_job("wf-download");
  // A third of the way: past the queue (60 ms), well before the end (600 ms).
  clock_.advance(kJobDuration / 3);
  const auto output = temp_dir() / "later.zip";
  const RunResult result =
      run({"jobs", "download", "wf-download", id, "-o", output.string(), kFastPolls});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_NE(result.err.find("job " + id + " has not ended yet (status \"running\"); waiting"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("completed, 100%"), std::string::npos) << result.err;
  EXPECT_EQ(read_file(output).substr(0, 4), std::string("PK\x03\x04", 4));
}

TEST_F(CliTest, DownloadOfATaskByNameWritesJobDashTaskZipInTheWorkingDirectory) {
  const std::string id = create_job("wf-download");
  RunOptions options;
  options.cwd = temp_dir().string();
  const RunResult result = run(
      {"jobs", "download", "wf-download", id, "--task", "ingest", "--wait", kFastPolls}, options);
  ASSERT_TRUE(exited_with(result, kOk));
  const auto file = temp_dir() / (id + "-ingest.zip");
  EXPECT_EQ(read_file(file).substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_NE(read_file(file).find("task.json"), std::string::npos);
}

TEST_F(CliTest, DownloadRefusesToReplaceAFileWithoutForce) {
  const std::string id = create_job("wf-download");
  const auto output = temp_dir() / "exists.zip";
  std::ofstream(output) << "keep me";
  const RunResult refused = run({"jobs", "download", "wf-download", id, "-o", output.string()});
  EXPECT_TRUE(exited_with(refused, kInvalidArgument));
  EXPECT_EQ(read_file(output), "keep me");

  const RunResult forced = run({"jobs", "download", "wf-download", id, "-o", output.string(),
                                "--force", "--wait", kFastPolls});
  ASSERT_TRUE(exited_with(forced, kOk));
  EXPECT_EQ(read_file(output).substr(0, 4), std::string("PK\x03\x04", 4));
}

TEST_F(CliTest, DownloadOfAFailedJobExitsWithJobFailed) {
  const std::string id = create_job("wf-fail");
  const auto output = temp_dir() / "never.zip";
  const RunResult result =
      run({"jobs", "download", "wf-fail", id, "-o", output.string(), "--wait", kFastPolls});
  EXPECT_TRUE(exited_with(result, kJobFailed));
  EXPECT_FALSE(std::filesystem::exists(output));
}

TEST_F(CliTest, WrongKeyExitsWithAuthenticationAndNeverPrintsIt) {
  // A server that rejects the key and echoes it back: in the error's code, message and
  // details, and in the request id and another header.
  constexpr const char* kWrongKey = "wrong-key-7c1d";
  pixxel::testing::TestServer echo;
  echo.http().Get(".*", [](const httplib::Request& req, httplib::Response& res) {
    const std::string key = req.get_header_value("Authorization");
    res.status = 401;
    res.set_header("X-Request-Id", "req-" + key);
    res.set_header("WWW-Authenticate", "Key realm=\"" + key + "\"");
    res.set_content(
        nlohmann::json(
            {{"error",
              {{"code", key}, {"message", "invalid key " + key}, {"details", {{"key", key}}}}}})
            .dump(),
        "application/json");
  });
  echo.start();
  RunOptions options;
  options.env = environment(kWrongKey);
  options.env[0] = "PIXXEL_BASE_URL=" + echo.url();
  const RunResult result = run({"-v", "jobs", "list", "wf-1"}, options);
  EXPECT_TRUE(exited_with(result, kAuthentication));
  ASSERT_GE(echo.request_count(), 1u);
  EXPECT_EQ(echo.last_request().header("Authorization"), kWrongKey);
  // The echoed text is shown, with the key masked.
  EXPECT_NE(result.err.find("invalid key ***"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(kWrongKey), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find(kWrongKey), std::string::npos) << result.out;
}

TEST_F(CliTest, KeyAndServerMayComeFromFlags) {
  RunOptions options;
  options.env = {"PIXXEL_BASE_URL=http://127.0.0.1:1"};
  const RunResult result = run(
      {"--api-key", kApiKey, "--base-url", server_->base_url(), "jobs", "list", "wf-1"}, options);
  EXPECT_TRUE(exited_with(result, kOk));
}

TEST_F(CliTest, NoKeyExitsWithConfiguration) {
  RunOptions options;
  options.env = environment("");
  EXPECT_TRUE(exited_with(run({"jobs", "list", "wf-1"}, options), kConfiguration));
}

TEST_F(CliTest, UnknownJobExitsWithNotFound) {
  const RunResult result = run({"jobs", "get", "wf-1", "no-such-job"});
  EXPECT_TRUE(exited_with(result, kNotFound));
  EXPECT_NE(result.err.find("not found"), std::string::npos) << result.err;
}

// --- projects, workflows, estimates, ping (the mock's seeded catalog) ------------------------

TEST_F(CliTest, ProjectsListShowsTheSeededProjects) {
  const RunResult result = run({"projects", "list"});
  ASSERT_TRUE(exited_with(result, kOk));
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 3u) << result.out;  // header and two projects
  EXPECT_EQ(lines[0].rfind("ID", 0), 0u);
  EXPECT_EQ(lines[1].rfind("prj-agri ", 0), 0u);
  EXPECT_NE(lines[1].find("Agriculture monitoring"), std::string::npos);
  EXPECT_EQ(lines[2].rfind("prj-coast ", 0), 0u);
  EXPECT_EQ(result.err, "");  // one page holds them all: no hint

  const RunResult json = run({"--json", "projects", "list"});
  ASSERT_TRUE(exited_with(json, kOk));
  const auto page = nlohmann::json::parse(json.out);
  EXPECT_EQ(page.at("count"), 2);
  EXPECT_EQ(page.at("projects").size(), 2u);
}

TEST_F(CliTest, ProjectsListPagesAndSaysHowToGetTheNextPage) {
  const RunResult first = run({"projects", "list", "--page-size", "1"});
  ASSERT_TRUE(exited_with(first, kOk));
  EXPECT_EQ(lines_of(first.out).size(), 2u) << first.out;
  EXPECT_NE(first.out.find("prj-agri"), std::string::npos);
  EXPECT_NE(first.err.find("page 1 of 2 (2 projects); --page 2 for the next"), std::string::npos)
      << first.err;
  const RunResult second = run({"projects", "list", "--page-size", "1", "--page", "2"});
  ASSERT_TRUE(exited_with(second, kOk));
  EXPECT_NE(second.out.find("prj-coast"), std::string::npos);
  EXPECT_EQ(second.out.find("prj-agri"), std::string::npos);
  EXPECT_TRUE(exited_with(run({"projects", "list", "--page", "0"}), kUsage));
}

TEST_F(CliTest, ProjectsGetShowsOneProject) {
  const RunResult result = run({"projects", "get", "prj-coast"});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(result.out.rfind("project prj-coast (coastal-watch): Coastal watch\n", 0), 0u)
      << result.out;
  EXPECT_NE(result.out.find("org-demo"), std::string::npos);
  const RunResult json = run({"--json", "projects", "get", "prj-coast"});
  ASSERT_TRUE(exited_with(json, kOk));
  EXPECT_EQ(nlohmann::json::parse(json.out).at("title"), "Coastal watch");
  EXPECT_TRUE(exited_with(run({"projects", "get", "prj-nope"}), kNotFound));
}

TEST_F(CliTest, WorkflowsListShowsAPageAndHowToGetTheNext) {
  const RunResult result = run({"workflows", "list", "--limit", "4"});
  ASSERT_TRUE(exited_with(result, kOk));
  const auto lines = lines_of(result.out);
  ASSERT_EQ(lines.size(), 5u) << result.out;
  EXPECT_EQ(lines[1].rfind("wf-ndvi ", 0), 0u);
  EXPECT_NE(
      result.err.find("workflows 1-4 of 6; --offset 4 for the next page, --all for every one"),
      std::string::npos)
      << result.err;
  const RunResult rest = run({"workflows", "list", "--limit", "4", "--offset", "4"});
  ASSERT_TRUE(exited_with(rest, kOk));
  EXPECT_EQ(lines_of(rest.out).size(), 3u) << rest.out;
  EXPECT_EQ(rest.err, "");
}

TEST_F(CliTest, WorkflowsListAllFollowsEveryPage) {
  const RunResult all = run({"workflows", "list", "--all", "--limit", "2"});
  ASSERT_TRUE(exited_with(all, kOk));
  const auto lines = lines_of(all.out);
  ASSERT_EQ(lines.size(), 7u) << all.out;
  for (const char* id :
       {"wf-ndvi", "wf-crop-health", "wf-invalid", "wf-shoreline", "wf-flood-map", "wf-fail"}) {
    EXPECT_NE(all.out.find(id), std::string::npos) << id;
  }
  const RunResult json = run({"--json", "workflows", "list", "--all", "--project", "prj-coast"});
  ASSERT_TRUE(exited_with(json, kOk));
  const auto workflows = nlohmann::json::parse(json.out);
  ASSERT_EQ(workflows.size(), 3u);
  for (const auto& w : workflows) EXPECT_EQ(w.at("project_id"), "prj-coast");
}

TEST_F(CliTest, WorkflowsListJsonIsThePageWithItsPagination) {
  const RunResult result = run({"--json", "workflows", "list", "--limit", "2", "--offset", "1"});
  ASSERT_TRUE(exited_with(result, kOk));
  const auto page = nlohmann::json::parse(result.out);
  EXPECT_EQ(page.at("pagination"), (nlohmann::json{{"limit", 2}, {"offset", 1}, {"total", 6}}));
  ASSERT_EQ(page.at("workflows").size(), 2u);
  EXPECT_EQ(page["workflows"][0].at("id"), "wf-crop-health");
}

TEST_F(CliTest, WorkflowsGetShowsTheCostAndTheValidationErrors) {
  const RunResult valid = run({"workflows", "get", "wf-crop-health", "--project", "prj-agri"});
  ASSERT_TRUE(exited_with(valid, kOk));
  EXPECT_NE(valid.out.find("estimated cost  45 tokens"), std::string::npos) << valid.out;
  EXPECT_NE(valid.out.find("valid           yes"), std::string::npos) << valid.out;

  const RunResult invalid = run({"workflows", "get", "wf-invalid", "--project", "prj-agri"});
  ASSERT_TRUE(exited_with(invalid, kOk));
  EXPECT_NE(invalid.out.find("no, 2 validation errors"), std::string::npos) << invalid.out;
  EXPECT_NE(invalid.out.find("validation errors:"), std::string::npos) << invalid.out;

  EXPECT_TRUE(exited_with(run({"workflows", "get", "wf-ndvi"}), kUsage));  // no --project
  EXPECT_TRUE(
      exited_with(run({"workflows", "get", "wf-ndvi", "--project", "prj-coast"}), kNotFound));
}

TEST_F(CliTest, WorkflowsEstimatePrintsTheCost) {
  const RunResult result = run({"workflows", "estimate", "wf-flood-map"});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(result.out, "workflow wf-flood-map: estimated cost 60 tokens\n");
  const RunResult json = run({"--json", "workflows", "estimate", "wf-flood-map"});
  ASSERT_TRUE(exited_with(json, kOk));
  EXPECT_EQ(nlohmann::json::parse(json.out), (nlohmann::json{{"estimated_cost", 60}}));
  EXPECT_TRUE(exited_with(run({"workflows", "estimate", "wf-unknown"}), kNotFound));
}

TEST_F(CliTest, PingAnswersWithoutAKey) {
  RunOptions options;
  options.env = environment("");
  const RunResult result = run({"ping"}, options);
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(result.out, "pong\n");
  options.env.push_back("PIXXEL_API_KEY=");
  EXPECT_TRUE(exited_with(run({"--json", "ping"}, options), kOk));
}

TEST_F(CliTest, CreateAboveMaxCostCreatesNoJobAndShowsBothFigures) {
  const std::size_t jobs_before = server_->job_count();
  const RunResult result =
      run({"jobs", "create", "wf-flood-map", "--project", "prj-coast", "--max-cost", "59"});
  ASSERT_TRUE(exited_with(result, kOverBudget));
  EXPECT_EQ(server_->job_count(), jobs_before);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("the estimated cost of workflow wf-flood-map is 60 tokens, above "
                            "--max-cost 59; no job was created"),
            std::string::npos)
      << result.err;
}

TEST_F(CliTest, CreateWithinMaxCostCreatesTheJob) {
  const std::size_t jobs_before = server_->job_count();
  const RunResult result = run(
      {"--json", "jobs", "create", "wf-flood-map", "--project", "prj-coast", "--max-cost", "60"});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(server_->job_count(), jobs_before + 1);
  EXPECT_EQ(nlohmann::json::parse(result.out).at("cost"), 60);  // what the estimate said
  EXPECT_NE(result.err.find("estimated cost 60 tokens, within --max-cost 60"), std::string::npos)
      << result.err;
}

TEST_F(CliTest, CreateWithMaxCostOnAnUnknownWorkflowCreatesNoJob) {
  const std::size_t jobs_before = server_->job_count();
  const RunResult result =
      run({"jobs", "create", "wf-unknown", "--project", "prj-coast", "--max-cost", "1000"});
  EXPECT_TRUE(exited_with(result, kNotFound));
  EXPECT_EQ(server_->job_count(), jobs_before);
  EXPECT_TRUE(exited_with(
      run({"jobs", "create", "wf-ndvi", "--project", "prj-agri", "--max-cost", "-1"}), kUsage));
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  EXPECT_TRUE(exited_with(run({}), kUsage));
  EXPECT_TRUE(exited_with(run({"jobs", "get", "wf-1"}), kUsage));
  EXPECT_TRUE(exited_with(run({"jobs", "create", "wf-1"}), kUsage));  // no --project
  EXPECT_TRUE(exited_with(run({"jobs", "list", "wf-1", "--no-such-option"}), kUsage));
  EXPECT_TRUE(exited_with(run({"frobnicate"}), kUsage));
  EXPECT_TRUE(exited_with(run({"jobs"}), kUsage));          // a noun needs its verb
  EXPECT_TRUE(exited_with(run({"list", "wf-1"}), kUsage));  // the old verb-only form
  EXPECT_TRUE(exited_with(run({"--retries", "-1", "jobs", "list", "wf-1"}), kUsage));
  EXPECT_TRUE(exited_with(run({"jobs", "wait", "wf-1", "job", "--poll-interval", "0"}), kUsage));
}

TEST_F(CliTest, HelpExitsWithZero) {
  const RunResult top = run({"--help"});
  ASSERT_TRUE(exited_with(top, kOk));
  for (const char* noun : {"jobs", "projects", "workflows", "ping"}) {
    EXPECT_NE(top.out.find(noun), std::string::npos) << top.out;
  }
  const RunResult workflows = run({"workflows", "--help"});
  ASSERT_TRUE(exited_with(workflows, kOk));
  for (const char* command : {"list", "get", "estimate"}) {
    EXPECT_NE(workflows.out.find(command), std::string::npos) << workflows.out;
  }
  const RunResult create = run({"jobs", "create", "--help"});
  ASSERT_TRUE(exited_with(create, kOk));
  EXPECT_NE(create.out.find("--max-cost"), std::string::npos) << create.out;
  const RunResult result = run({"jobs", "--help"});
  ASSERT_TRUE(exited_with(result, kOk));
  for (const char* command : {"create", "get", "list", "wait", "download"}) {
    EXPECT_NE(result.out.find(command), std::string::npos) << result.out;
  }
  EXPECT_TRUE(exited_with(run({"jobs", "download", "--help"}), kOk));
}

TEST_F(CliTest, UnreachableServerExitsWithTransport) {
  // A bound socket that does not listen: connecting to it is refused.
  Fd socket_fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(socket_fd.fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(socket_fd.fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t size = sizeof address;
  ASSERT_EQ(getsockname(socket_fd.fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  const RunResult result =
      run({"--retries", "0", "--base-url", url, "jobs", "get", "wf-1", "job-1"});
  EXPECT_TRUE(exited_with(result, kTransport));
}

TEST_F(CliTest, VersionPrintsTheSdkVersion) {
  const RunResult result = run({"--version"});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_NE(result.out.find(pixxel::version()), std::string::npos) << result.out;
}

TEST_F(CliTest, VerboseLogsEachRequestWithoutTheKey) {
  const std::string id = create_job("wf-verbose");
  const RunResult result = run({"jobs", "get", "wf-verbose", id, "-v"});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_NE(result.err.find("GET " + server_->base_url() + "/v0/workflows/wf-verbose/jobs/" + id +
                            " -> 200 in "),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find(kApiKey), std::string::npos) << result.err;
}

TEST_F(CliTest, WaitDrawsAProgressBarWhenStderrIsATerminal) {
  const std::string id = create_job("wf-terminal");
  RunOptions options;
  options.terminal_stderr = true;
  const RunResult result = run({"jobs", "wait", "wf-terminal", id, kFastPolls}, options);
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_NE(result.err.find("\rcompleted [########################] 100%"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("job " + id + ":"), std::string::npos) << result.err;  // no plain lines
  EXPECT_EQ(result.out.rfind("job " + id, 0), 0u) << result.out;
}

}  // namespace
