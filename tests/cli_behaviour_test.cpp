// The pixxel CLI as people use it (issue 13): creates whose outcome is unknown, waits that
// are interrupted or time out and say how to resume, downloads that stop at once for a failed
// job and check where they write before asking anything, and a command line that says what
// it expects. Each runs the CLI as a child process against the in-process mock server.

#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_fixture.hpp"

namespace {

using namespace pixxel::testing::cli;
using namespace pixxel_examples;
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

}  // namespace
