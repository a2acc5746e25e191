// The pixxel CLI's output and errors: --json prints the API's answers as received, errors
// under --json are JSON on stderr, and every message names what a CLI user can change.
#include <atomic>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_fixture.hpp"

namespace {

using namespace pixxel::testing::cli;
using namespace pixxel_cli;
using pixxel::testing::TestServer;

// As a server might format it: spaces, an order of its own, a key the SDK does not know, a
// task's progress as a string, a float with a trailing zero.
const std::string kRawJob =
    R"({ "id" : "job-raw", "status":"completed",  "progress": "100", "cost": 1.50,)"
    R"( "unknown_key": {"nested": [1, 2.0]},)"
    R"( "tasks": [ {"id": "t1", "name": "ingest", "progress": "100", "status": "completed"} ] })";
const std::string kRawList =
    "{\"jobs\": [\n  {\"id\": \"job-raw\", \"status\": \"completed\", \"progress\": \"100\"}\n]}\n";
const std::string kRawEstimate = R"({"estimated_cost": 7.0})";

// The last line of stderr, which under --json is the error: parsed, and checked to be one
// object {"error": {...}} with the documented keys.
nlohmann::json json_error(const RunResult& result) {
  const auto lines = lines_of(result.err);
  if (lines.empty()) {
    ADD_FAILURE() << "nothing on stderr";
    return nlohmann::json::object();
  }
  const auto parsed = nlohmann::json::parse(lines.back(), nullptr, false);
  if (!parsed.is_object() || !parsed.contains("error")) {
    ADD_FAILURE() << "the last line of stderr is not a JSON error: " << result.err;
    return nlohmann::json::object();
  }
  const auto& error = parsed["error"];
  for (const char* key : {"type", "status", "code", "message", "request_id"}) {
    EXPECT_TRUE(error.contains(key)) << key << " missing in " << lines.back();
  }
  return error;
}

class CliJsonTest : public CliTest {
 protected:
  // The environment of a run against `url` instead of the mock.
  static std::vector<std::string> environment_for(const std::string& url,
                                                  const std::string& key = kApiKey) {
    std::vector<std::string> env = environment(key);
    env[0] = "PIXXEL_BASE_URL=" + url;
    return env;
  }
  static RunResult run_against(const std::string& url, const std::vector<std::string>& args) {
    RunOptions options;
    options.env = environment_for(url);
    return run(args, options);
  }
};

TEST_F(CliJsonTest, JsonPrintsTheAnswerAsReceivedByteForByte) {
  TestServer server(4);
  server.http().Get("/v0/workflows/wf-raw/jobs/job-raw",
                    [](const httplib::Request&, httplib::Response& res) {
                      res.set_content(kRawJob, "application/json");
                    });
  server.http().Get("/v0/workflows/wf-raw/jobs",
                    [](const httplib::Request&, httplib::Response& res) {
                      res.set_content(kRawList, "application/json");
                    });
  server.http().Get("/v0/workflows/wf-raw/estimate",
                    [](const httplib::Request&, httplib::Response& res) {
                      res.set_content(kRawEstimate, "application/json");
                    });
  server.start();

  const RunResult got = run_against(server.url(), {"--json", "jobs", "get", "wf-raw", "job-raw"});
  ASSERT_TRUE(exited_with(got, kOk));
  EXPECT_EQ(got.out, kRawJob + "\n");  // a newline added only where the body has none

  const RunResult listed = run_against(server.url(), {"--json", "jobs", "list", "wf-raw"});
  ASSERT_TRUE(exited_with(listed, kOk));
  EXPECT_EQ(listed.out, kRawList);

  const RunResult estimated =
      run_against(server.url(), {"--json", "workflows", "estimate", "wf-raw"});
  ASSERT_TRUE(exited_with(estimated, kOk));
  EXPECT_EQ(estimated.out, kRawEstimate + "\n");

  // Without --json the same answers are read, not echoed.
  const RunResult text = run_against(server.url(), {"jobs", "get", "wf-raw", "job-raw"});
  ASSERT_TRUE(exited_with(text, kOk));
  EXPECT_EQ(text.out.rfind("job job-raw", 0), 0u) << text.out;
}

TEST_F(CliJsonTest, ListKeepsTheJobsWrapperAndAddsNothing) {
  const std::string id = create_job("wf-json-list");
  const RunResult result = run({"--json", "jobs", "list", "wf-json-list"});
  ASSERT_TRUE(exited_with(result, kOk));
  const auto answer = nlohmann::json::parse(result.out);
  ASSERT_TRUE(answer.is_object()) << result.out;
  ASSERT_EQ(answer.size(), 1u) << result.out;
  ASSERT_EQ(answer.at("jobs").size(), 1u) << result.out;
  const auto& job = answer["jobs"][0];
  EXPECT_EQ(job.at("id"), id);
  // The list endpoint sends no tasks, spec or validation errors; neither may the CLI.
  for (const char* absent : {"tasks", "spec", "val_errors"}) {
    EXPECT_FALSE(job.contains(absent)) << absent << " in " << result.out;
  }
}

TEST_F(CliJsonTest, WaitsPrintTheLastPollsAnswer) {
  const RunResult created =
      run({"--json", "jobs", "create", "wf-json-wait", "--project", "p", "--wait", kFastPolls});
  ASSERT_TRUE(exited_with(created, kOk));
  const auto job = nlohmann::json::parse(created.out);  // one object, not the created one
  EXPECT_EQ(job.at("status"), "completed");
  EXPECT_EQ(job.at("progress"), "100");  // a string, as the mock sends it
  ASSERT_EQ(job.at("tasks").size(), 3u);

  const std::string id = create_job("wf-json-wait");
  const RunResult waited = run({"--json", "jobs", "wait", "wf-json-wait", id, kFastPolls});
  ASSERT_TRUE(exited_with(waited, kOk));
  const auto last = nlohmann::json::parse(waited.out);
  EXPECT_EQ(last.at("id"), id);
  EXPECT_EQ(last.at("status"), "completed");
}

TEST_F(CliJsonTest, WorkflowsListAllIsAnArrayOfThePagesAsReceived) {
  const RunResult result = run({"--json", "workflows", "list", "--all", "--limit", "2"});
  ASSERT_TRUE(exited_with(result, kOk));
  const auto pages = nlohmann::json::parse(result.out);
  ASSERT_TRUE(pages.is_array()) << result.out;
  ASSERT_EQ(pages.size(), 3u) << result.out;  // six seeded workflows, two a page
  for (std::size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(pages[i].at("pagination").at("offset"), 2 * i) << result.out;
    EXPECT_EQ(pages[i].at("workflows").size(), 2u) << result.out;
  }
}

TEST_F(CliJsonTest, DownloadGivesThePathTheBytesAndTheLinkAsReceived) {
  const std::string id = create_job("wf-json-download");
  const auto output = temp_dir() / "archive.zip";
  const RunResult result = run({"--json", "jobs", "download", "wf-json-download", id, "-o",
                                output.string(), "--wait", kFastPolls});
  ASSERT_TRUE(exited_with(result, kOk));
  const auto answer = nlohmann::json::parse(result.out);
  EXPECT_EQ(answer.at("path"), std::filesystem::absolute(output).string());
  EXPECT_EQ(answer.at("bytes"), std::filesystem::file_size(output));
  EXPECT_EQ(answer.at("link").at("status"), "ready");
  EXPECT_TRUE(answer["link"].at("signed_url").is_string());
}

TEST_F(CliJsonTest, PingPrintsTheAnswersJsonString) {
  const RunResult result = run({"--json", "ping"});
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_EQ(result.out, "\"pong\"\n");
}

TEST_F(CliJsonTest, ApiErrorsAreJsonOnStderrWithTheirExitCode) {
  const RunResult result = run({"--json", "jobs", "get", "wf-1", "no-such-job"});
  ASSERT_TRUE(exited_with(result, kNotFound));
  EXPECT_EQ(result.out, "");
  const auto error = json_error(result);
  EXPECT_EQ(error.at("type"), "not_found");
  EXPECT_EQ(error.at("status"), 404);
  EXPECT_TRUE(error.at("code").is_string());
  EXPECT_EQ(error.at("request_id").get<std::string>().rfind("req-", 0), 0u);
  EXPECT_NE(error.at("message").get<std::string>().find("no-such-job"), std::string::npos);
  EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
}

TEST_F(CliJsonTest, UsageErrorsAreJsonToo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--json", "jobs", "list", "wf-1", "--no-such-option"},
        std::vector<std::string>{"jobs", "get", "wf-1", "--json"},  // a missing argument
        std::vector<std::string>{"--json", "frobnicate"}}) {
    const RunResult result = run(args);
    ASSERT_TRUE(exited_with(result, kUsage));
    const auto error = json_error(result);
    EXPECT_EQ(error.at("type"), "usage");
    EXPECT_TRUE(error.at("status").is_null());
    EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
  }
  // --help is no error, with or without --json.
  const RunResult help = run({"--json", "--help"});
  ASSERT_TRUE(exited_with(help, kOk));
  EXPECT_NE(help.out.find("--allow-insecure-http"), std::string::npos) << help.out;
}

TEST_F(CliJsonTest, ErrorsWithoutAnAnswerAreJsonWithANullStatus) {
  RunOptions no_key;
  no_key.env = environment("");
  const RunResult configuration = run({"--json", "jobs", "list", "wf-1"}, no_key);
  ASSERT_TRUE(exited_with(configuration, kConfiguration));
  auto error = json_error(configuration);
  EXPECT_EQ(error.at("type"), "configuration");
  EXPECT_TRUE(error.at("status").is_null());

  const std::string refused = "http://127.0.0.1:" + std::to_string(pixxel::testing::refused_port());
  const RunResult network =
      run_against(refused, {"--json", "--retries", "0", "jobs", "get", "wf-1", "job-1"});
  ASSERT_TRUE(exited_with(network, kTransport));
  error = json_error(network);
  EXPECT_EQ(error.at("type"), "network");
  EXPECT_TRUE(error.at("status").is_null());
  EXPECT_TRUE(error.at("request_id").is_null());
}

TEST_F(CliJsonTest, AFailedJobAndACostOverTheLimitAreJsonErrors) {
  const std::string id = create_job("wf-fail");
  const RunResult failed = run({"--json", "jobs", "wait", "wf-fail", id, kFastPolls});
  ASSERT_TRUE(exited_with(failed, kJobFailed));
  EXPECT_EQ(nlohmann::json::parse(failed.out).at("status"), "failed");  // the job, on stdout
  auto error = json_error(failed);
  EXPECT_EQ(error.at("type"), "job_failed");
  EXPECT_NE(error.at("message").get<std::string>().find(id), std::string::npos);

  const RunResult over = run(
      {"--json", "jobs", "create", "wf-flood-map", "--project", "prj-coast", "--max-cost", "59"});
  ASSERT_TRUE(exited_with(over, kOverBudget));
  EXPECT_EQ(over.out, "");
  error = json_error(over);
  EXPECT_EQ(error.at("type"), "over_budget");
}

TEST_F(CliJsonTest, ARetryAfterOverTheCapSaysHowLongTheServerAskedFor) {
  pixxel::mock::MockOptions options;
  options.api_key = kApiKey;
  options.rate_limit_rate = 1;
  options.retry_after_seconds = 120;
  pixxel::mock::MockServer limited(options);
  limited.start();

  const RunResult text = run_against(limited.base_url(), {"jobs", "get", "wf-1", "job-1"});
  ASSERT_TRUE(exited_with(text, kRateLimited));
  EXPECT_NE(text.err.find("the server asks to wait 120 s before trying again (Retry-After), "
                          "longer than the 60 s pixxel waits by itself"),
            std::string::npos)
      << text.err;
  EXPECT_EQ(limited.request_count(), 1u);  // given up at once, not retried

  const RunResult json =
      run_against(limited.base_url(), {"--json", "jobs", "get", "wf-1", "job-1"});
  ASSERT_TRUE(exited_with(json, kRateLimited));
  const auto error = json_error(json);
  EXPECT_EQ(error.at("type"), "rate_limited");
  EXPECT_EQ(error.at("status"), 429);
  EXPECT_EQ(error.at("retry_after"), 120);
}

TEST_F(CliJsonTest, VerboseShowsThePauseBeforeEachRetry) {
  TestServer server(4);
  std::atomic<int> answered{0};
  server.http().Get("/v0/workflows/wf-1/jobs/job-raw",
                    [&](const httplib::Request&, httplib::Response& res) {
                      if (answered++ < 2) {
                        res.status = 503;
                        res.set_content("{}", "application/json");
                        return;
                      }
                      res.set_content(kRawJob, "application/json");
                    });
  server.start();
  const RunResult result =
      run_against(server.url(), {"-v", "--retries", "2", "jobs", "get", "wf-1", "job-raw"});
  ASSERT_TRUE(exited_with(result, kOk));
  const std::regex retrying("-> 503 in [0-9]+ ms.*; retrying in [0-9.]+ s$");
  std::vector<std::string> attempts;
  for (const auto& line : lines_of(result.err)) {
    if (line.find(" -> ") != std::string::npos) attempts.push_back(line);
  }
  ASSERT_EQ(attempts.size(), 3u) << result.err;
  EXPECT_TRUE(std::regex_search(attempts[0], retrying)) << attempts[0];
  EXPECT_TRUE(std::regex_search(attempts[1], retrying)) << attempts[1];
  EXPECT_NE(attempts[2].find("-> 200"), std::string::npos) << attempts[2];
  EXPECT_EQ(attempts[2].find("retrying"), std::string::npos) << attempts[2];
}

TEST_F(CliJsonTest, LibcurlsTextAppearsOnceInEachLine) {
  const std::string refused = "http://127.0.0.1:" + std::to_string(pixxel::testing::refused_port());
  const RunResult result =
      run_against(refused, {"-v", "--retries", "1", "jobs", "get", "wf-1", "job-1"});
  ASSERT_TRUE(exited_with(result, kTransport));
  const auto lines = lines_of(result.err);
  ASSERT_EQ(lines.size(), 3u) << result.err;  // two attempts and the error
  for (const auto& line : lines) {
    EXPECT_EQ(count_of(line, "Couldn't connect to server"), 1u) << line;
    EXPECT_EQ(count_of(line, "GET " + refused), 1u) << line;
  }
}

TEST_F(CliJsonTest, HttpsToAPlainHttpServerHintsThatItSpeaksPlainHttp) {
  const std::string https = "https://127.0.0.1:" + std::to_string(server_->port());
  const RunResult result = run_against(https, {"--retries", "0", "jobs", "get", "wf-1", "job-1"});
  ASSERT_TRUE(exited_with(result, kTransport));
  EXPECT_NE(result.err.find("the server seems to speak plain http, not https"), std::string::npos)
      << result.err;
}

TEST_F(CliJsonTest, AWrongKeySaysWhereItCameFrom) {
  RunOptions env_key;
  env_key.env = environment("wrong-env-key-1234");
  const RunResult from_env = run({"jobs", "list", "wf-1"}, env_key);
  ASSERT_TRUE(exited_with(from_env, kAuthentication));
  EXPECT_NE(from_env.err.find("check PIXXEL_API_KEY"), std::string::npos) << from_env.err;

  RunOptions no_env_key;
  no_env_key.env = environment("");
  const RunResult from_flag =
      run({"--api-key", "wrong-flag-key-5678", "jobs", "list", "wf-1"}, no_env_key);
  ASSERT_TRUE(exited_with(from_flag, kAuthentication));
  EXPECT_NE(from_flag.err.find("check the key given with --api-key"), std::string::npos)
      << from_flag.err;
  EXPECT_EQ(from_flag.err.find("PIXXEL_API_KEY"), std::string::npos) << from_flag.err;
  EXPECT_EQ(from_flag.err.find("wrong-flag-key-5678"), std::string::npos) << from_flag.err;
}

TEST_F(CliJsonTest, ConfigurationAdviceNamesTheCliFlags) {
  RunOptions no_key;
  no_key.env = environment("");
  const RunResult missing = run({"jobs", "list", "wf-1"}, no_key);
  ASSERT_TRUE(exited_with(missing, kConfiguration));
  EXPECT_NE(missing.err.find("no API key: pass --api-key or set PIXXEL_API_KEY"), std::string::npos)
      << missing.err;
  EXPECT_EQ(missing.err.find("ClientOptions"), std::string::npos) << missing.err;

  // 0.0.0.0 is this machine, yet not a loopback name: the SDK treats it as another host.
  const std::string elsewhere = "http://0.0.0.0:" + std::to_string(server_->port());
  const std::size_t requests_before = server_->request_count();
  const RunResult insecure = run({"--base-url", elsewhere, "jobs", "list", "wf-1"});
  ASSERT_TRUE(exited_with(insecure, kConfiguration));
  EXPECT_NE(insecure.err.find("pass --allow-insecure-http"), std::string::npos) << insecure.err;
  EXPECT_NE(insecure.err.find("from --base-url"), std::string::npos) << insecure.err;
  EXPECT_EQ(insecure.err.find("allow_insecure_http"), std::string::npos) << insecure.err;
  EXPECT_EQ(server_->request_count(), requests_before);

  const RunResult allowed =
      run({"--allow-insecure-http", "--base-url", elsewhere, "jobs", "list", "wf-1"});
  EXPECT_TRUE(exited_with(allowed, kOk));
  EXPECT_EQ(server_->request_count(), requests_before + 1);
}

// Every "type" the CLI's sources give an error, and every exit code they name, is in the
// README's lists, so that a script's author finds what they may meet.
TEST_F(CliJsonTest, TheReadmeListsEveryErrorTypeAndExitCode) {
  const std::filesystem::path tools = std::filesystem::path(PIXXEL_SOURCE_DIR) / "tools" / "pixxel";
  std::string sources;
  for (const auto& entry : std::filesystem::directory_iterator(tools)) {
    const auto ext = entry.path().extension();
    if (ext == ".cpp" || ext == ".hpp") sources += read_file(entry.path());
  }
  const std::string readme = read_file(std::filesystem::path(PIXXEL_SOURCE_DIR) / "README.md");
  const auto types_at = readme.find("`type` is one of");
  ASSERT_NE(types_at, std::string::npos);
  const std::string types = readme.substr(types_at, readme.find('.', types_at) - types_at);
  // set(kX, "type", ...), fail(kX, "type", ...), report.type = "type".
  const std::regex type_pattern(
      R"re((?:set|fail)\(\s*(?:pixxel_cli::)?k\w+,\s*"(\w+)"|\.type = "(\w+)")re");
  std::set<std::string> found;
  for (std::sregex_iterator it(sources.begin(), sources.end(), type_pattern), end; it != end;
       ++it) {
    found.insert((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
  }
  EXPECT_GT(found.size(), 15u);
  for (const std::string& type : found) {
    EXPECT_NE(types.find("`" + type + "`"), std::string::npos) << type << " is not in: " << types;
  }

  const auto codes_at = readme.find("Exit codes say what happened:");
  ASSERT_NE(codes_at, std::string::npos);
  const std::string codes = readme.substr(codes_at, readme.find(". ", codes_at) - codes_at);
  const std::regex code_pattern(R"(\bk\w+ = (\d+),)");
  std::size_t named = 0;
  for (std::sregex_iterator it(sources.begin(), sources.end(), code_pattern), end; it != end;
       ++it, ++named) {
    const std::string code = (*it)[1].str();
    EXPECT_TRUE(std::regex_search(codes, std::regex("(^|[\\s:])" + code + "\\s")))
        << code << " is not in: " << codes;
  }
  EXPECT_GE(named, 16u);
}

// A 2xx answer to a create that does not decode still names the job.
TEST_F(CliJsonTest, ACreateAnsweredWithWhatIsNotAJobStillNamesTheJobItsAnswerHolds) {
  TestServer server(4);
  std::atomic<int> posts{0};
  const auto answer = [&](const std::string& body) {
    return [&posts, body](const httplib::Request&, httplib::Response& res) {
      ++posts;
      res.set_content(body, "application/json");
    };
  };
  // Tasks as an object: the decoder refuses it, yet the job was made.
  server.http().Post(
      "/v0/workflows/wf-odd/jobs",
      answer(R"({"status": "queued", "tasks": {"not": "a list"}, "id": "job-odd"})"));
  // Cut short: no JSON at all, but its id came first.
  server.http().Post("/v0/workflows/wf-cut/jobs",
                     answer(R"({"tasks": [{"id": "task-1"}], "id": "job-cut", "status": "que)"));
  server.start();

  const RunResult text =
      run_against(server.url(), {"jobs", "create", "wf-odd", "--project", "prj-agri"});
  ASSERT_TRUE(exited_with(text, kBadAnswer));
  EXPECT_NE(text.err.find("the answer names job job-odd, which was probably created; to see it: "
                          "pixxel jobs get wf-odd job-odd"),
            std::string::npos)
      << text.err;
  EXPECT_NE(text.err.find("a job may have been created. Look before creating another: pixxel "
                          "jobs list wf-odd --created-on "),
            std::string::npos)
      << text.err;

  const RunResult json =
      run_against(server.url(), {"--json", "jobs", "create", "wf-odd", "--project", "prj-agri"});
  ASSERT_TRUE(exited_with(json, kBadAnswer));
  EXPECT_EQ(json.out, "");
  auto error = json_error(json);
  EXPECT_EQ(error.at("type"), "bad_answer");
  EXPECT_EQ(error.value("job_id", ""), "job-odd") << json.err;

  const RunResult cut =
      run_against(server.url(), {"--json", "jobs", "create", "wf-cut", "--project", "prj-agri"});
  ASSERT_TRUE(exited_with(cut, kBadAnswer));
  error = json_error(cut);
  EXPECT_EQ(error.value("job_id", ""), "job-cut") << cut.err;  // not the task's id
  EXPECT_EQ(posts.load(), 3);                                  // never a second create
}

}  // namespace
