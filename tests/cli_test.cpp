// The pixxel command-line tool, run as a child process against the in-process mock
// server: its output and, above all, its exit codes.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_fixture.hpp"

namespace {

using namespace pixxel::testing::cli;
using namespace pixxel_cli;

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
  const auto jobs = nlohmann::json::parse(listed.out).at("jobs");  // the answer's wrapper
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
  const RunResult result = run({"jobs", "wait", "wf-slow", id, "--wait-timeout", "0.3", kFastPolls});
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
      run({"--retries", "0", "jobs", "wait", "wf-outage", id, "--wait-timeout", "1", kFastPolls});
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

TEST_F(CliTest, DownloadWithWaitOfARunningJobWaitsForItThenItsArchive) {
  const std::string id = create_job("wf-download");
  // A third of the way: past the queue (60 ms), well before the end (600 ms).
  clock_.advance(kJobDuration / 3);
  const auto output = temp_dir() / "later.zip";
  const RunResult result =
      run({"jobs", "download", "wf-download", id, "-o", output.string(), "--wait", kFastPolls});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_NE(result.err.find("job " + id + ": running"), std::string::npos) << result.err;
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
  // As the mock answers it: in the reference's {"project": {...}} wrapper.
  EXPECT_EQ(nlohmann::json::parse(json.out).at("project").at("title"), "Coastal watch");
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
  const auto pages = nlohmann::json::parse(json.out);  // each page's answer
  ASSERT_EQ(pages.size(), 1u);
  const auto& workflows = pages[0].at("workflows");
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
