// The pixxel CLI as people use it (issue 13): creates whose outcome is unknown, waits that
// are interrupted or time out and say how to resume, downloads that stop at once for a failed
// job and check where they write before asking anything, and a command line that says what
// it expects. Each runs the CLI as a child process against the in-process mock server.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_fixture.hpp"

namespace {

using namespace pixxel::testing::cli;
using namespace pixxel_cli;
using std::chrono::milliseconds;

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

// The words of the command printed after `marker` on a line of `err` (quoted words aside:
// the ids here need none).
std::vector<std::string> printed_command(const std::string& err, const std::string& marker) {
  const auto at = err.find(marker);
  if (at == std::string::npos) return {};
  std::istringstream line(err.substr(at + marker.size(), err.find('\n', at) - at - marker.size()));
  std::vector<std::string> words;
  for (std::string word; line >> word;) words.push_back(word);
  return words;
}

// Holds the shared mock server's faults and latency for one test, and puts them back.
class ServerSettings {
 public:
  explicit ServerSettings(pixxel::mock::MockServer& server) : server_(server) {}
  ~ServerSettings() {
    server_.set_latency(milliseconds(0));
    server_.set_fail_rate(0);
    server_.set_rate_limit_rate(0);
  }
  ServerSettings(const ServerSettings&) = delete;
  ServerSettings& operator=(const ServerSettings&) = delete;

 private:
  pixxel::mock::MockServer& server_;
};

using CliBehaviourTest = CliTest;

TEST_F(CliBehaviourTest, ACreateWithoutAnAnswerSaysAJobMayExistAndHowToLook) {
  const std::size_t jobs_before = server_->job_count();
  std::vector<std::string> look;
  {
    ServerSettings settings(*server_);
    server_->set_latency(milliseconds(1500));  // the job is stored after the client gave up
    const RunResult result = run({"--timeout", "0.3", "--retries", "0", "jobs", "create",
                                  "wf-unknown-outcome", "--project", "prj-agri"});
    ASSERT_TRUE(exited_with(result, kTimeout));
    EXPECT_NE(result.err.find("a job may have been created"), std::string::npos) << result.err;
    look = printed_command(result.err, "Look before creating another: ");
    ASSERT_EQ(look, (std::vector<std::string>{"pixxel", "jobs", "list", "wf-unknown-outcome",
                                              "--created-on", today_utc()}))
        << result.err;
  }
  // The server stores the job once its latency is over; then the printed command finds it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server_->job_count() == jobs_before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));  // polls the server's state, not a guess
  }
  ASSERT_EQ(server_->job_count(), jobs_before + 1);
  const RunResult listed = run(std::vector<std::string>(look.begin() + 1, look.end()));
  ASSERT_TRUE(exited_with(listed, kOk));
  EXPECT_EQ(lines_of(listed.out).size(), 2u) << listed.out;  // the header and the job
}

TEST_F(CliBehaviourTest, ACreateTheServerRefusedSaysNothingOfAJob) {
  ServerSettings settings(*server_);
  server_->set_fail_rate(1);  // 503: not processed
  const RunResult result =
      run({"--retries", "0", "jobs", "create", "wf-refused", "--project", "prj-agri"});
  ASSERT_TRUE(exited_with(result, kServerError));
  EXPECT_EQ(result.err.find("may have been created"), std::string::npos) << result.err;
}

TEST_F(CliBehaviourTest, CtrlCDuringAWaitExits130AndSaysHowToResume) {
  server_->set_job_duration(std::chrono::hours(1));
  const std::string job = create_job("wf-interrupted");
  RunOptions options;
  options.env = environment();
  // Interrupted once the wait has shown the job: it is then polling or pausing.
  options.interrupt_when = [&](const std::string& err) {
    return err.find("job " + job) != std::string::npos;
  };
  const RunResult result =
      run({"jobs", "wait", "wf-interrupted", job, "--poll-interval", "0.05"}, options);
  ASSERT_TRUE(exited_with(result, 130));
  EXPECT_NE(result.err.find("pixxel: interrupted"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("to wait for it again: pixxel jobs wait wf-interrupted " + job),
            std::string::npos)
      << result.err;
}

TEST_F(CliBehaviourTest, ATimedOutWaitSaysHowToResume) {
  server_->set_job_duration(std::chrono::hours(1));
  const std::string job = create_job("wf-timed-out");
  const RunResult result = run(
      {"jobs", "wait", "wf-timed-out", job, "--wait-timeout", "0.3", "--poll-interval", "0.05"});
  ASSERT_TRUE(exited_with(result, kTimeout));
  EXPECT_NE(result.err.find("to wait for it again: pixxel jobs wait wf-timed-out " + job),
            std::string::npos)
      << result.err;
}

TEST_F(CliBehaviourTest, TimeoutMeansEachRequestEverywhereAndWaitsHaveWaitTimeout) {
  server_->set_job_duration(std::chrono::hours(1));
  const std::string job = create_job("wf-timeouts");
  // After `wait`, --timeout is still the per-request timeout: the wait itself goes on until
  // --wait-timeout.
  const RunResult result = run({"jobs", "wait", "wf-timeouts", job, "--timeout", "5",
                                "--wait-timeout", "0.3", "--poll-interval", "0.05"});
  ASSERT_TRUE(exited_with(result, kTimeout));
  EXPECT_NE(result.err.find("did not finish within"), std::string::npos) << result.err;
  const RunResult help = run({"jobs", "wait", "--help"});
  ASSERT_TRUE(exited_with(help, kOk));
  EXPECT_NE(help.out.find("--wait-timeout"), std::string::npos);
}

TEST_F(CliBehaviourTest, DownloadOfAFailedJobStopsAtOnce) {
  const std::string job = create_job("wf-fail");
  const RunResult waited = run({"jobs", "wait", "wf-fail", job, kFastPolls});
  ASSERT_TRUE(exited_with(waited, kJobFailed));
  const std::size_t requests = server_->request_count();
  const RunResult result = run({"jobs", "download", "wf-fail", job, "-o", temp_dir().string()});
  ASSERT_TRUE(exited_with(result, kJobFailed));
  EXPECT_EQ(server_->request_count() - requests, 1u);  // the job, and no archive asked for
  EXPECT_TRUE(std::filesystem::is_empty(temp_dir()));
}

TEST_F(CliBehaviourTest, DownloadWithoutWaitOfAnUnfinishedJobSaysSoAndExits) {
  server_->set_job_duration(std::chrono::hours(1));
  const std::string job = create_job("wf-unfinished");
  const RunResult result =
      run({"jobs", "download", "wf-unfinished", job, "-o", temp_dir().string()});
  ASSERT_TRUE(exited_with(result, kNotFinished));
  EXPECT_NE(result.err.find("has not ended yet"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("pixxel jobs download wf-unfinished " + job + " --wait"),
            std::string::npos)
      << result.err;
  EXPECT_TRUE(std::filesystem::is_empty(temp_dir()));
}

TEST_F(CliBehaviourTest, OutputMayBeAFolderWithOrWithoutSlash) {
  const std::string job = create_job("wf-folder");
  ASSERT_TRUE(exited_with(run({"jobs", "wait", "wf-folder", job, kFastPolls}), kOk));
  const auto file = temp_dir() / (job + ".zip");
  ASSERT_TRUE(
      exited_with(run({"jobs", "download", "wf-folder", job, "-o", temp_dir().string()}), kOk));
  EXPECT_EQ(read_file(file).substr(0, 2), "PK");
  // With a slash, and over the file now there with --force.
  ASSERT_TRUE(exited_with(
      run({"jobs", "download", "wf-folder", job, "-o", temp_dir().string() + "/", "--force"}),
      kOk));
  const RunResult again =
      run({"jobs", "download", "wf-folder", job, "-o", temp_dir().string() + "/"});
  ASSERT_TRUE(exited_with(again, kInvalidArgument));
  EXPECT_NE(again.err.find("exists; pass --force"), std::string::npos) << again.err;
}

TEST_F(CliBehaviourTest, OutputDashWritesTheArchiveToStdoutAndNoFile) {
  const std::string job = create_job("wf-stdout");
  ASSERT_TRUE(exited_with(run({"jobs", "wait", "wf-stdout", job, kFastPolls}), kOk));
  RunOptions options;
  options.env = environment();
  options.cwd = temp_dir().string();
  const RunResult result = run({"jobs", "download", "wf-stdout", job, "-o", "-"}, options);
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(result.out.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_GT(result.out.size(), 100u);
  EXPECT_TRUE(std::filesystem::is_empty(temp_dir()));  // no file named "-"
}

TEST_F(CliBehaviourTest, AMissingFolderIsNamedAndNothingIsAskedOfTheServer) {
  const std::string job = create_job("wf-nowhere");
  const std::size_t requests = server_->request_count();
  const std::string target = (temp_dir() / "out" / "x.zip").string();
  const RunResult result = run({"jobs", "download", "wf-nowhere", job, "-o", target});
  ASSERT_TRUE(exited_with(result, kInvalidArgument));
  EXPECT_NE(result.err.find("the folder \"" + (temp_dir() / "out").string() + "\" does not exist"),
            std::string::npos)
      << result.err;
  const RunResult slash =
      run({"jobs", "download", "wf-nowhere", job, "-o", (temp_dir() / "missing").string() + "/"});
  ASSERT_TRUE(exited_with(slash, kInvalidArgument));
  EXPECT_NE(slash.err.find("does not exist"), std::string::npos) << slash.err;
  EXPECT_EQ(server_->request_count(), requests);
}

TEST_F(CliBehaviourTest, ADownloadRidesOutTransientFailuresToo) {
  const std::string job = create_job("wf-sturdy");
  ServerSettings settings(*server_);
  server_->set_fail_rate(0.3);
  server_->set_rate_limit_rate(0.2);
  const auto folder = temp_dir() / "sub";
  std::filesystem::create_directory(folder);
  const RunResult result = run({"--retries", "0", "jobs", "download", "wf-sturdy", job, "--wait",
                                kFastPolls, "-o", folder.string() + "/"});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(read_file(folder / (job + ".zip")).substr(0, 2), "PK");
}

TEST_F(CliBehaviourTest, AMistypedCommandGetsASuggestion) {
  const RunResult result = run({"jobs", "lsit", "wf-1"});
  ASSERT_TRUE(exited_with(result, kUsage));
  EXPECT_NE(result.err.find("unknown command \"lsit\" for \"pixxel jobs\"; did you mean \"list\"?"),
            std::string::npos)
      << result.err;
  const RunResult top = run({"--json", "wrokflows", "list"});
  ASSERT_TRUE(exited_with(top, kUsage));
  // Under --json the usage error is JSON too.
  const auto error = nlohmann::json::parse(top.err).at("error");
  EXPECT_EQ(error.at("type"), "usage");
  EXPECT_NE(error.at("message").get<std::string>().find("did you mean \"workflows\"?"),
            std::string::npos)
      << top.err;
}

TEST_F(CliBehaviourTest, HelpAndVersionAreCommandsToo) {
  const RunResult help = run({"help", "jobs", "download"});
  ASSERT_TRUE(exited_with(help, kOk));
  EXPECT_NE(help.out.find("--output"), std::string::npos) << help.out;
  const RunResult top = run({"help"});
  ASSERT_TRUE(exited_with(top, kOk));
  EXPECT_NE(top.out.find("workflows"), std::string::npos);
  const RunResult version = run({"version"});
  ASSERT_TRUE(exited_with(version, kOk));
  EXPECT_EQ(version.out, run({"--version"}).out);
  EXPECT_NE(version.out.find("pixxel-cpp"), std::string::npos);
}

TEST_F(CliBehaviourTest, RangeErrorsAreReadable) {
  const RunResult poll = run({"jobs", "wait", "wf", "job", "--poll-interval", "0"});
  ASSERT_TRUE(exited_with(poll, kUsage));
  EXPECT_NE(poll.err.find("--poll-interval: must be more than 0 seconds, not \"0\""),
            std::string::npos)
      << poll.err;
  const RunResult limit = run({"workflows", "list", "--limit", "5000"});
  ASSERT_TRUE(exited_with(limit, kUsage));
  EXPECT_NE(limit.err.find("must be a whole number from 1 to 1000, not \"5000\""),
            std::string::npos)
      << limit.err;
  for (const RunResult& r : {poll, limit}) {
    EXPECT_LT(r.err.size(), 200u) << r.err;  // no 300-digit bounds
  }
}

TEST_F(CliBehaviourTest, DateFiltersAreCheckedAndStatusesListed) {
  const RunResult bad = run({"jobs", "list", "wf-1", "--created-on", "yesterday"});
  ASSERT_TRUE(exited_with(bad, kUsage));
  EXPECT_NE(bad.err.find("YYYY-MM-DD"), std::string::npos) << bad.err;
  EXPECT_TRUE(exited_with(run({"workflows", "list", "--updated-at", "2024-02-30"}), kUsage));
  EXPECT_TRUE(exited_with(run({"jobs", "list", "wf-1", "--created-on", today_utc()}), kOk));
  const RunResult help = run({"jobs", "list", "--help"});
  EXPECT_NE(help.out.find("running, completed, failed"), std::string::npos) << help.out;
  const RunResult none = run({"jobs", "list", "wf-1", "--status", "bogus"});
  ASSERT_TRUE(exited_with(none, kOk));
  EXPECT_NE(none.err.find("no jobs found with status \"bogus\""), std::string::npos) << none.err;
}

TEST_F(CliBehaviourTest, TheMockServerExitsWithTheCliUsageCode) {
  RunOptions options;
  options.env = environment();
  options.program = PIXXEL_MOCK_EXE;
  EXPECT_TRUE(exited_with(run({"--no-such-flag"}, options), kUsage));
  EXPECT_TRUE(exited_with(run({"--port", "70000"}, options), kUsage));
  EXPECT_TRUE(exited_with(run({"--help"}, options), kOk));
}

// --- standard output that cannot take what is written (issue 19, points 10 and 11) ------------

// The environment of a run whose temporary files go to `folder`, so that leftovers show.
std::vector<std::string> with_tmpdir(std::vector<std::string> env,
                                     const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  env.push_back("TMPDIR=" + folder.string());
  return env;
}

TEST_F(CliBehaviourTest, AClosedPipeEndsTheCommandQuietlyAndLeavesNoTemporaryFile) {
  const std::string job = create_job("wf-closed-pipe");
  ASSERT_TRUE(exited_with(run({"jobs", "wait", "wf-closed-pipe", job, kFastPolls}), kOk));
  const auto tmp = temp_dir() / "tmp";
  RunOptions options;
  options.env = with_tmpdir(environment(), tmp);
  options.stdout_reader_gone = true;
  const RunResult result = run({"jobs", "download", "wf-closed-pipe", job, "-o", "-"}, options);
  // Not killed by SIGPIPE: it ends by itself, with the status a shell shows for a broken pipe.
  ASSERT_TRUE(exited_with(result, kBrokenPipe));
  EXPECT_EQ(result.err.find("pixxel: "), std::string::npos) << result.err;
  EXPECT_TRUE(std::filesystem::is_empty(tmp));

  const RunResult listed = run({"jobs", "list", "wf-closed-pipe"}, options);
  ASSERT_TRUE(exited_with(listed, kBrokenPipe));
  EXPECT_EQ(listed.err, "");
}

TEST_F(CliBehaviourTest, ADownloadToStdoutLeavesNoTemporaryFileWhenItEndsEarly) {
  server_->set_job_duration(std::chrono::hours(1));
  const std::string job = create_job("wf-stdout-early");
  const auto tmp = temp_dir() / "tmp";
  RunOptions options;
  options.env = with_tmpdir(environment(), tmp);
  const RunResult result = run({"jobs", "download", "wf-stdout-early", job, "-o", "-"}, options);
  ASSERT_TRUE(exited_with(result, kNotFinished));
  EXPECT_TRUE(std::filesystem::is_empty(tmp));
  const RunResult missing =
      run({"jobs", "download", "wf-stdout-early", "no-such-job", "-o", "-"}, options);
  ASSERT_TRUE(exited_with(missing, kNotFound));
  EXPECT_TRUE(std::filesystem::is_empty(tmp));
}

TEST_F(CliBehaviourTest, AFullDiskOnStdoutFailsTheCommandAndKeepsTheCreatedJobsId) {
  RunOptions full;
  full.env = environment();
  full.stdout_path = "/dev/full";
  const RunResult json =
      run({"--json", "jobs", "create", "wf-full", "--project", "prj-agri"}, full);
  ASSERT_TRUE(exited_with(json, kUnexpected));
  const auto error = nlohmann::json::parse(lines_of(json.err).back()).at("error");
  EXPECT_EQ(error.at("type"), "write_failed");
  EXPECT_NE(error.at("message").get<std::string>().find("No space left on device"),
            std::string::npos)
      << json.err;
  const std::string id = error.value("job_id", "");
  ASSERT_FALSE(id.empty()) << json.err;
  EXPECT_TRUE(exited_with(run({"jobs", "get", "wf-full", id}), kOk));  // the job exists
  EXPECT_EQ(error.at("hints").at(0),
            "job " + id + " was created; to see it: pixxel jobs get wf-full " + id);

  const RunResult text = run({"jobs", "create", "wf-full", "--project", "prj-agri"}, full);
  ASSERT_TRUE(exited_with(text, kUnexpected));
  EXPECT_NE(text.err.find("pixxel: cannot write to standard output: No space left on device"),
            std::string::npos)
      << text.err;
  EXPECT_NE(text.err.find(" was created; to see it: pixxel jobs get wf-full "), std::string::npos)
      << text.err;

  const RunResult listed = run({"jobs", "list", "wf-full"}, full);
  ASSERT_TRUE(exited_with(listed, kUnexpected));
  EXPECT_NE(listed.err.find("No space left on device"), std::string::npos) << listed.err;

  ASSERT_TRUE(exited_with(run({"jobs", "wait", "wf-full", id, kFastPolls}), kOk));
  const auto tmp = temp_dir() / "tmp";
  full.env = with_tmpdir(environment(), tmp);
  const RunResult archive = run({"jobs", "download", "wf-full", id, "-o", "-"}, full);
  ASSERT_TRUE(exited_with(archive, kUnexpected));
  EXPECT_NE(
      archive.err.find("cannot write the archive to standard output: No space left on device"),
      std::string::npos)
      << archive.err;
  EXPECT_TRUE(std::filesystem::is_empty(tmp));
}

// --- where -o writes (issue 19, point 12) ------------------------------------------------------

std::set<std::string> entries_of(const std::filesystem::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// Reads a FIFO until its writer closes it, or until stop() when no writer ever comes.
class FifoReader {
 public:
  explicit FifoReader(const std::string& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)), thread_([this] { run(); }) {}
  ~FifoReader() { stop(); }
  // What arrived.
  std::string stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return data_;
  }

 private:
  void run() {
    for (;;) {
      pollfd fd{fd_, POLLIN, 0};
      // Linux reports no hang-up to a reader before a writer has come and gone.
      const int ready = ::poll(&fd, 1, 50);
      if (ready == 0) {
        if (stopping_) return;
        continue;
      }
      char buffer[4096];
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n > 0) data_.append(buffer, static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
    }
  }

  int fd_;
  std::atomic<bool> stopping_{false};
  std::string data_;
  std::thread thread_;
};

TEST_F(CliBehaviourTest, OutputThatIsNoRegularFileIsWrittenInPlace) {
  const std::string job = create_job("wf-in-place");
  ASSERT_TRUE(exited_with(run({"jobs", "wait", "wf-in-place", job, kFastPolls}), kOk));
  const auto fifo = temp_dir() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  FifoReader reader(fifo.string());
  const RunResult result = run({"jobs", "download", "wf-in-place", job, "-o", fifo.string()});
  const std::string received = reader.stop();
  ASSERT_TRUE(exited_with(result, kOk));  // no --force: nothing is replaced
  EXPECT_EQ(received.substr(0, 2), "PK");
  struct stat status {};
  ASSERT_EQ(::lstat(fifo.c_str(), &status), 0);
  EXPECT_TRUE(S_ISFIFO(status.st_mode));  // still the FIFO, not a file renamed over it
  EXPECT_EQ(entries_of(temp_dir()), (std::set<std::string>{"pipe"}));

  // /dev/stdout is this run's stdout: the archive, and no "saved" line after it.
  const RunResult to_stdout = run({"jobs", "download", "wf-in-place", job, "-o", "/dev/stdout"});
  ASSERT_TRUE(exited_with(to_stdout, kOk));
  EXPECT_EQ(to_stdout.out.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_EQ(to_stdout.out.find("saved "), std::string::npos);

  const RunResult to_null = run({"jobs", "download", "wf-in-place", job, "-o", "/dev/null"});
  ASSERT_TRUE(exited_with(to_null, kOk));
  ASSERT_EQ(::lstat("/dev/null", &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
}

TEST_F(CliBehaviourTest, AStalePartFileIsReclaimedAndALiveOneLeftAlone) {
  const std::string job = create_job("wf-part");
  ASSERT_TRUE(exited_with(run({"jobs", "wait", "wf-part", job, kFastPolls}), kOk));
  // What a killed run leaves: its part file, no longer locked by anyone.
  {
    std::ofstream stale(temp_dir() / "a.zip.part", std::ios::binary);
    stale << "half an archive";
  }
  const auto a = temp_dir() / "a.zip";
  ASSERT_TRUE(exited_with(run({"jobs", "download", "wf-part", job, "-o", a.string()}), kOk));
  EXPECT_EQ(read_file(a).substr(0, 2), "PK");
  EXPECT_EQ(entries_of(temp_dir()), (std::set<std::string>{"a.zip"}));

  // A download in progress holds its part file's lock: another run goes around it.
  const auto live = temp_dir() / "b.zip.part";
  {
    std::ofstream out(live, std::ios::binary);
    out << "in progress";
  }
  const int held = ::open(live.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
  const auto b = temp_dir() / "b.zip";
  const RunResult result = run({"jobs", "download", "wf-part", job, "-o", b.string()});
  ::close(held);
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(read_file(b).substr(0, 2), "PK");
  EXPECT_EQ(read_file(live), "in progress");
  EXPECT_EQ(entries_of(temp_dir()), (std::set<std::string>{"a.zip", "b.zip", "b.zip.part"}));
}

TEST_F(CliBehaviourTest, ADownloadThatLosesTheRaceForItsPathIsToldAboutForce) {
  const auto target = temp_dir() / "race.zip";
  pixxel::testing::TestServer server(4);
  server.http().Get(
      "/v0/workflows/wf-race/jobs/job-race", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"id": "job-race", "status": "completed"})", "application/json");
      });
  server.http().Put("/v0/workflows/wf-race/jobs/job-race/download",
                    [&server](const httplib::Request&, httplib::Response& res) {
                      const nlohmann::json link = {{"id", "link-1"},
                                                   {"status", "ready"},
                                                   {"signed_url", server.url() + "/archive"},
                                                   {"workflowId", "wf-race"},
                                                   {"job_id", "job-race"}};
                      res.set_content(link.dump(), "application/json");
                    });
  // Another download to the same path finishes first, while this one is under way.
  server.http().Get("/archive", [&target](const httplib::Request&, httplib::Response& res) {
    std::ofstream(target, std::ios::binary) << "the winner";
    res.set_content(std::string("PK\x03\x04 the loser", 14), "application/zip");
  });
  server.start();
  RunOptions options;
  options.env = environment();
  options.env[0] = "PIXXEL_BASE_URL=" + server.url();
  const RunResult result =
      run({"jobs", "download", "wf-race", "job-race", "-o", target.string()}, options);
  ASSERT_TRUE(exited_with(result, kInvalidArgument));
  EXPECT_NE(result.err.find("pass --force to replace it"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("SaveOptions"), std::string::npos) << result.err;
  EXPECT_EQ(read_file(target), "the winner");
  EXPECT_EQ(entries_of(temp_dir()), (std::set<std::string>{"race.zip"}));
}

// --- a create whose outcome is unknown looks for its job (issue 19, point 7) -------------------

TEST_F(CliBehaviourTest, ACreateTheServerFailedAfterStoringListsTheCandidatesWithoutCreatingAgain) {
  const std::size_t jobs_before = server_->job_count();
  const std::size_t requests_before = server_->request_count();
  server_->set_fail_after_create_rate(1);  // the job is stored, then the answer is a 500
  const RunResult text = run({"jobs", "create", "wf-candidates", "--project", "prj-agri"});
  const std::size_t requests = server_->request_count() - requests_before;
  server_->set_fail_after_create_rate(0);
  ASSERT_TRUE(exited_with(text, kServerError));
  EXPECT_EQ(server_->job_count(), jobs_before + 1);  // never a second create
  EXPECT_LE(requests, 3u);  // the create and the look (a call per UTC day: two at midnight)

  const auto ids = [&] {
    RunOptions options;
    options.env = environment();
    const RunResult listed = run({"--json", "jobs", "list", "wf-candidates"}, options);
    EXPECT_TRUE(exited_with(listed, kOk));
    const auto answer = nlohmann::json::parse(listed.out);
    std::vector<std::string> out;
    for (const auto& job : answer.at("jobs")) {
      out.push_back(job.at("id"));
    }
    return out;
  };
  const std::vector<std::string> first = ids();
  ASSERT_EQ(first.size(), 1u) << text.err;
  const std::string& id = first[0];
  EXPECT_NE(text.err.find("a job may have been created"), std::string::npos) << text.err;
  EXPECT_EQ(text.err.find("try again later"), std::string::npos) << text.err;
  EXPECT_NE(text.err.find("a minute before the request was sent, for clock skew"),
            std::string::npos)
      << text.err;
  EXPECT_NE(text.err.find("pixxel:   " + id + "  created "), std::string::npos) << text.err;
  EXPECT_NE(text.err.find("to see it: pixxel jobs get wf-candidates " + id), std::string::npos)
      << text.err;

  server_->set_fail_after_create_rate(1);
  const RunResult json =
      run({"--json", "jobs", "create", "wf-candidates", "--project", "prj-agri"});
  server_->set_fail_after_create_rate(0);
  ASSERT_TRUE(exited_with(json, kServerError));
  EXPECT_EQ(json.out, "");
  const auto error = nlohmann::json::parse(lines_of(json.err).back()).at("error");
  EXPECT_EQ(error.at("type"), "server_error");
  EXPECT_EQ(error.at("message").get<std::string>().find("try again later"), std::string::npos);
  const std::vector<std::string> now = ids();
  ASSERT_EQ(now.size(), 2u);
  const auto& candidates = error.at("candidates");
  ASSERT_EQ(candidates.size(), 2u) << json.err;
  // Newest first: the job this run made, then the last one's.
  EXPECT_EQ(candidates[0].at("id"), now[0] == id ? now[1] : now[0]);
  EXPECT_EQ(candidates[1].at("id"), id);
  for (const auto& candidate : candidates) {
    EXPECT_FALSE(candidate.at("created_at").get<std::string>().empty());
    EXPECT_FALSE(candidate.at("status").get<std::string>().empty());
  }
}

TEST_F(CliBehaviourTest, ACandidateLookThatFailsIsSaidAndTheAdviceStays) {
  pixxel::testing::TestServer server(4);
  std::atomic<int> posts{0};
  server.http().Post("/v0/workflows/wf-lost/jobs", [&posts](const httplib::Request&,
                                                            httplib::Response& res) {
    ++posts;
    res.status = 500;
    res.set_content(R"({"error": {"code": "internal", "message": "boom"}})", "application/json");
  });
  server.http().Get("/v0/workflows/wf-lost/jobs", [](const httplib::Request&,
                                                     httplib::Response& res) {
    res.status = 502;
    res.set_content(R"({"error": {"code": "bad_gateway", "message": "down"}})", "application/json");
  });
  server.start();
  RunOptions options;
  options.env = environment();
  options.env[0] = "PIXXEL_BASE_URL=" + server.url();
  const RunResult result =
      run({"--retries", "0", "jobs", "create", "wf-lost", "--project", "prj-agri"}, options);
  ASSERT_TRUE(exited_with(result, kServerError));
  EXPECT_EQ(posts.load(), 1);
  EXPECT_NE(result.err.find("looking for the jobs of workflow wf-lost created since "),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find(" failed ("), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("a job may have been created. Look before creating another: pixxel "
                            "jobs list wf-lost --created-on " +
                            today_utc()),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("try again later"), std::string::npos) << result.err;
}

}  // namespace
