// The mock Pixxel server's behaviour, seen over HTTP on loopback.
#include "mock_server.hpp"
#include "zip.hpp"  // private to the mock: its include directory comes with pixxel_mock

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pixxel/models.hpp"
#include "support/raw_client.hpp"

namespace {

using nlohmann::json;
using pixxel::mock::MockOptions;
using pixxel::mock::MockServer;
using namespace std::chrono_literals;

constexpr char kKey[] = "test-key";
constexpr auto kDeadline = 30s;

const std::regex kTimestamp(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00)");
const std::regex kHexId(R"([0-9a-f]{32})");
const std::regex kStandardBase64(
    R"((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)");

MockOptions options_with(std::chrono::milliseconds job_duration) {
  MockOptions options;
  options.job_duration = job_duration;
  return options;
}

// httplib's client gives up after 5 s without an answer. Under ThreadSanitizer on a loaded
// machine the first answer of a process can take longer (starting a thread there costs
// milliseconds, and the server starts one per new connection), so the tests wait as long as
// their other deadlines.
void allow_slow_answers(httplib::Client& client) {
  client.set_connection_timeout(kDeadline);
  client.set_read_timeout(kDeadline);
  client.set_write_timeout(kDeadline);
}

json body_of(const httplib::Result& result) {
  if (!result) return json::object();
  json body = json::parse(result->body, nullptr, false);
  return body.is_discarded() ? json::object() : body;
}

void expect_documented_error(const httplib::Result& result, int status, const std::string& code) {
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, status);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json; charset=utf-8");
  const json body = body_of(result);
  ASSERT_TRUE(body.is_object()) << result->body;
  ASSERT_TRUE(body.contains("error")) << result->body;
  const json& error = body["error"];
  EXPECT_EQ(error.value("code", ""), code);
  EXPECT_TRUE(error["message"].is_string());
  EXPECT_FALSE(error["message"].get<std::string>().empty());
  EXPECT_TRUE(error.contains("details"));
}

// The JSON document in a raw field (an integer array or a base64 string), read with the SDK's
// reader of raw fields.
json raw_document(const json& field) {
  const auto bytes = pixxel::raw_bytes(field);
  if (!bytes) throw std::invalid_argument("not raw bytes: " + field.dump());
  return json::parse(bytes->begin(), bytes->end());
}

std::uint32_t little_endian(const std::string& data, std::size_t pos, int size) {
  std::uint32_t value = 0;
  for (int i = size - 1; i >= 0; --i) {
    value = value << 8 | static_cast<unsigned char>(data.at(pos + static_cast<std::size_t>(i)));
  }
  return value;
}

// Reads a ZIP of stored entries through its central directory, checking every CRC.
std::map<std::string, std::string> read_stored_zip(const std::string& zip) {
  std::map<std::string, std::string> entries;
  if (zip.size() < 22) {
    ADD_FAILURE() << "too short for a ZIP";
    return entries;
  }
  const std::size_t end = zip.size() - 22;
  EXPECT_EQ(zip.substr(end, 4), std::string("PK\x05\x06", 4));
  const std::uint32_t count = little_endian(zip, end + 10, 2);
  std::size_t pos = little_endian(zip, end + 16, 4);
  for (std::uint32_t i = 0; i < count; ++i) {
    EXPECT_EQ(zip.substr(pos, 4), std::string("PK\x01\x02", 4));
    const std::uint32_t method = little_endian(zip, pos + 10, 2);
    const std::uint32_t crc = little_endian(zip, pos + 16, 4);
    const std::uint32_t size = little_endian(zip, pos + 20, 4);
    EXPECT_EQ(little_endian(zip, pos + 24, 4), size);
    const std::uint32_t name_size = little_endian(zip, pos + 28, 2);
    const std::uint32_t extra_size = little_endian(zip, pos + 30, 2);
    const std::uint32_t comment_size = little_endian(zip, pos + 32, 2);
    const std::size_t local = little_endian(zip, pos + 42, 4);
    const std::string name = zip.substr(pos + 46, name_size);
    pos += 46 + name_size + extra_size + comment_size;

    EXPECT_EQ(method, 0u) << name;
    EXPECT_EQ(zip.substr(local, 4), std::string("PK\x03\x04", 4)) << name;
    EXPECT_EQ(little_endian(zip, local + 14, 4), crc) << name;
    EXPECT_EQ(zip.substr(local + 30, little_endian(zip, local + 26, 2)), name);
    const std::size_t data =
        local + 30 + little_endian(zip, local + 26, 2) + little_endian(zip, local + 28, 2);
    entries[name] = zip.substr(data, size);
    EXPECT_EQ(pixxel::mock::detail::crc32(entries[name]), crc) << name;
  }
  return entries;
}

class MockServerTest : public testing::Test {
 protected:
  void start(MockOptions options = options_with(300ms)) {
    server_ = std::make_unique<MockServer>(std::move(options));
    server_->start();
    client_ = make_client(kKey);
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
  }

  std::unique_ptr<httplib::Client> make_client(std::optional<std::string> key) const {
    auto client = std::make_unique<httplib::Client>(server_->base_url());
    allow_slow_answers(*client);
    client->set_url_encode(false);  // paths in these tests are sent exactly as written
    if (key) client->set_default_headers({{"Authorization", *key}});
    return client;
  }

  MockServer& server() { return *server_; }
  httplib::Client& client() { return *client_; }

  json create_job(const std::string& workflow = "wf-1", const std::string& project = "proj-1") {
    const auto result = client().Post("/v0/workflows/" + workflow + "/jobs?project_id=" + project);
    if (!result || result->status != 200) {
      ADD_FAILURE() << "create_job: "
                    << (result ? result->body : httplib::to_string(result.error()));
      return json::object();
    }
    return body_of(result);
  }

  std::string job_path(const json& job) {
    return "/v0/workflows/" + job.value("workflow_id", "") + "/jobs/" + job.value("id", "");
  }

  json get_job(const json& job) { return body_of(client().Get(job_path(job))); }

  // Polls with a deadline; returns the last answer, which satisfies `done` unless time ran out.
  template <typename Done>
  json poll(const std::string& method, const std::string& path, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    json last;
    do {
      last = body_of(method == "PUT" ? client().Put(path) : client().Get(path));
      if (done(last)) return last;
      std::this_thread::sleep_for(5ms);
    } while (std::chrono::steady_clock::now() < deadline);
    ADD_FAILURE() << "gave up polling " << path << "; last answer: " << last.dump();
    return last;
  }

  json wait_until_terminal(const json& job) {
    return poll("GET", job_path(job), [](const json& j) {
      return j.value("status", "") == "completed" || j.value("status", "") == "failed";
    });
  }

  // The path and query of a signed URL, which must point back at this server.
  std::string signed_path(const std::string& url) {
    const std::string prefix = server().base_url() + "/signed/";
    EXPECT_EQ(url.rfind(prefix, 0), 0u) << url;
    return url.substr(server().base_url().size());
  }

  std::unique_ptr<MockServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(MockServerTest, PingAnswersPongWithoutAuthorization) {
  start();
  // The OpenAPI document's "pong message": a JSON string. /ping is outside /v0/, so neither
  // injected faults nor the key check reach it.
  server().set_fail_rate(1.0);
  const std::vector<std::optional<std::string>> keys = {std::nullopt, "wrong-key"};
  for (const auto& key : keys) {
    const auto result = make_client(key)->Get("/ping");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->body, "\"pong\"");
    EXPECT_EQ(body_of(result), json("pong"));
  }
}

TEST_F(MockServerTest, RejectsMissingKeyWith403AndDocumentedBody) {
  start();
  expect_documented_error(make_client(std::nullopt)->Post("/v0/workflows/wf-1/jobs?project_id=p"),
                          403, "forbidden");
  expect_documented_error(make_client(std::nullopt)->Get("/v0/workflows/wf-1/jobs"), 403,
                          "forbidden");
  EXPECT_EQ(server().job_count(), 0u);
}

TEST_F(MockServerTest, RejectsWrongKeyWith403AndDocumentedBody) {
  start();
  for (const std::string key : {"wrong-key", "Bearer test-key", "TEST-KEY", "test-key2", ""}) {
    SCOPED_TRACE(key);
    expect_documented_error(make_client(key)->Get("/v0/workflows/wf-1/jobs"), 403, "forbidden");
  }
  EXPECT_EQ(client().Get("/v0/workflows/wf-1/jobs")->status, 200);
}

TEST_F(MockServerTest, CreateJobAnswersEveryDocumentedField) {
  start();
  const json job = create_job("wf-1", "proj-1");
  for (const char* key : {"created_by", "status", "time_taken", "id", "tasks", "val_errors", "spec",
                          "cost", "workflow_id", "updated_at", "finished_at", "exec_created_at",
                          "exec_updated_at", "created_at", "estimated_duration", "progress"}) {
    EXPECT_TRUE(job.contains(key)) << key;
  }
  EXPECT_TRUE(std::regex_match(job.value("id", ""), kHexId));
  EXPECT_EQ(job["created_by"], "mock-user");
  EXPECT_EQ(job["status"], "queued");
  EXPECT_EQ(job["progress"], "0");
  EXPECT_EQ(job["workflow_id"], "wf-1");
  EXPECT_TRUE(job["cost"].is_number_integer());
  EXPECT_EQ(job["estimated_duration"], 1);  // 300 ms, rounded up
  EXPECT_EQ(job["val_errors"], json::array());
  EXPECT_EQ(job["spec"], json({{"workflow_id", "wf-1"}, {"project_id", "proj-1"}}));
  EXPECT_TRUE(std::regex_match(job.value("created_at", ""), kTimestamp)) << job["created_at"];
  EXPECT_EQ(job["finished_at"], "");

  ASSERT_EQ(job["tasks"].size(), 3u);
  for (const json& task : job["tasks"]) {
    for (const char* key : {"id",
                            "info_logs",
                            "created_at",
                            "updated_at",
                            "finished_at",
                            "estimated_time_duration",
                            "time_taken",
                            "status",
                            "state_msg",
                            "inputs",
                            "result",
                            "depends_on",
                            "name",
                            "progress",
                            "disclaimer",
                            "recv_time",
                            "send_time",
                            "block_inf_start_time",
                            "block_inf_end_time",
                            "block_info",
                            "err_msg",
                            "failure_type"}) {
      EXPECT_TRUE(task.contains(key)) << key;
    }
    EXPECT_TRUE(std::regex_match(task.value("id", ""), kHexId));
    EXPECT_EQ(task["status"], "queued");
    EXPECT_EQ(task["progress"], 0);
    EXPECT_EQ(task["disclaimer"], json::array());
    EXPECT_TRUE(task["estimated_time_duration"].is_number_integer());
    for (const char* key : {"id", "name", "version"}) {
      EXPECT_TRUE(task["block_info"][key].is_string()) << key;
    }
    ASSERT_TRUE(task["inputs"].is_array());
    const json inputs = raw_document(task["inputs"]);
    EXPECT_EQ(inputs["project_id"], "proj-1");
  }
}

TEST_F(MockServerTest, CreateJobLinksThreeTasksByDependsOn) {
  start();
  const json tasks = create_job()["tasks"];
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0]["name"], "ingest");
  EXPECT_EQ(tasks[1]["name"], "process");
  EXPECT_EQ(tasks[2]["name"], "export");
  EXPECT_EQ(tasks[0]["depends_on"], json::array());
  EXPECT_EQ(tasks[1]["depends_on"], json::array({tasks[0]["id"]}));
  EXPECT_EQ(tasks[2]["depends_on"], json::array({tasks[1]["id"]}));
  EXPECT_EQ(std::set<json>({tasks[0]["id"], tasks[1]["id"], tasks[2]["id"]}).size(), 3u);
}

TEST_F(MockServerTest, CreateJobWithoutProjectIdAnswers400) {
  start();
  expect_documented_error(client().Post("/v0/workflows/wf-1/jobs"), 400, "bad_request");
  expect_documented_error(client().Post("/v0/workflows/wf-1/jobs?project_id="), 400, "bad_request");
  EXPECT_EQ(server().job_count(), 0u);
}

TEST_F(MockServerTest, CreateJobGivesUniqueIds) {
  start();
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    const json job = create_job();
    ids.insert(job.value("id", ""));
    for (const json& task : job["tasks"]) ids.insert(task.value("id", ""));
  }
  EXPECT_EQ(ids.size(), 80u);
  EXPECT_EQ(server().job_count(), 20u);
}

MockOptions options_with(std::chrono::milliseconds job_duration,
                         const pixxel::mock::ManualClock& clock) {
  MockOptions options = options_with(job_duration);
  options.clock = [clock] { return clock.now(); };
  return options;
}

TEST_F(MockServerTest, JobProgressesFromQueuedThroughRunningToCompleted) {
  // The job's time is stepped by hand: every state is seen, however slow the machine.
  pixxel::mock::ManualClock clock;
  start(options_with(600ms, clock));
  const json created = create_job();
  EXPECT_EQ(created["status"], "queued");
  std::vector<std::string> statuses = {created.value("status", "")};
  std::set<std::string> running_updated_at;
  int last_progress = 0;
  // 600 ms: queued for 60 ms, then three tasks of 180 ms each.
  for (auto age = 0ms; age <= 650ms; age += 50ms) {
    SCOPED_TRACE("at " + std::to_string(age.count()) + " ms");
    const json job = get_job(created);
    const std::string status = job.value("status", "");
    if (status != statuses.back()) statuses.push_back(status);
    const int progress = std::stoi(job.value("progress", "-1"));
    EXPECT_GE(progress, last_progress);
    EXPECT_LE(progress, 100);
    last_progress = progress;
    EXPECT_EQ(status, age < 60ms ? "queued" : age < 600ms ? "running" : "completed");
    if (status == "running") running_updated_at.insert(job.value("updated_at", ""));

    // Tasks run one after another: completed ones, at most one running, then queued ones.
    int phase = 0;  // 0: completed, 1: running, 2: queued
    for (const json& task : job["tasks"]) {
      const std::string task_status = task.value("status", "");
      const int task_phase = task_status == "completed" ? 0 : task_status == "running" ? 1 : 2;
      EXPECT_GE(task_phase, phase) << job.dump();
      EXPECT_TRUE(task_status != "running" || phase < 1) << "two tasks running";
      phase = std::max(phase, task_phase);
      if (task_status == "running") {
        EXPECT_GE(task["progress"].get<int>(), 0);
        EXPECT_LT(task["progress"].get<int>(), 100);
        EXPECT_TRUE(std::regex_match(task.value("recv_time", ""), kTimestamp));
        EXPECT_TRUE(std::regex_match(task.value("block_inf_start_time", ""), kTimestamp));
        EXPECT_EQ(task["finished_at"], "");
      }
    }
    if (age == 150ms) {  // halfway through the first task
      EXPECT_EQ(job["tasks"][0]["status"], "running");
      EXPECT_EQ(job["tasks"][0]["progress"], 50);
      EXPECT_EQ(job["tasks"][1]["status"], "queued");
      EXPECT_EQ(job["progress"], "16");
    }
    clock.advance(50ms);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"queued", "running", "completed"}));
  EXPECT_EQ(running_updated_at.size(), 10u) << "updated_at should move while running";
  EXPECT_EQ(last_progress, 100);
}

TEST_F(MockServerTest, CompletedJobCarriesResultsTimesAndGoDurations) {
  start(options_with(300ms));
  const json job = wait_until_terminal(create_job());
  ASSERT_EQ(job["status"], "completed");
  EXPECT_EQ(job["time_taken"], "300ms");  // Go's time.Duration format
  EXPECT_TRUE(std::regex_match(job.value("finished_at", ""), kTimestamp));
  EXPECT_TRUE(std::regex_match(job.value("exec_created_at", ""), kTimestamp));
  EXPECT_EQ(job["updated_at"], job["finished_at"]);
  EXPECT_GT(job.value("finished_at", ""), job.value("created_at", ""));
  for (const json& task : job["tasks"]) {
    SCOPED_TRACE(task.value("name", ""));
    EXPECT_EQ(task["status"], "completed");
    EXPECT_EQ(task["progress"], 100);
    EXPECT_EQ(task["time_taken"], "90ms");  // (300 ms - 10% queued) / 3 tasks
    EXPECT_TRUE(std::regex_match(task.value("finished_at", ""), kTimestamp));
    EXPECT_TRUE(std::regex_match(task.value("block_inf_end_time", ""), kTimestamp));
    EXPECT_EQ(task["err_msg"], "");
    ASSERT_TRUE(task["result"].is_string());
    EXPECT_TRUE(std::regex_match(task.value("result", ""), kStandardBase64));
    const json result = raw_document(task["result"]);
    EXPECT_EQ(result["step"], task["name"]);
  }
}

TEST_F(MockServerTest, WorkflowFailJobEndsFailedAtItsLastTask) {
  start(options_with(300ms));
  const json job = wait_until_terminal(create_job("wf-fail"));
  EXPECT_EQ(job["status"], "failed");
  EXPECT_TRUE(std::regex_match(job.value("finished_at", ""), kTimestamp));
  EXPECT_FALSE(job.value("time_taken", "").empty());
  ASSERT_EQ(job["tasks"].size(), 3u);
  EXPECT_EQ(job["tasks"][0]["status"], "completed");
  EXPECT_EQ(job["tasks"][1]["status"], "completed");
  const json& last = job["tasks"][2];
  EXPECT_EQ(last["status"], "failed");
  EXPECT_FALSE(last.value("err_msg", "").empty());
  EXPECT_FALSE(last.value("failure_type", "").empty());
  EXPECT_LT(last["progress"].get<int>(), 100);

  const json link = body_of(client().Put(job_path(job) + "/download"));
  EXPECT_EQ(link["status"], "pending");
}

TEST_F(MockServerTest, GetJobAnswersTheJobAnd404ForUnknownOnes) {
  start();
  const json job = create_job("wf-1");
  const json fetched = get_job(job);
  EXPECT_EQ(fetched["id"], job["id"]);
  EXPECT_EQ(fetched["tasks"].size(), 3u);
  expect_documented_error(client().Get("/v0/workflows/wf-1/jobs/no-such-job"), 404, "not_found");
  expect_documented_error(client().Get("/v0/workflows/wf-other/jobs/" + job.value("id", "")), 404,
                          "not_found");
}

TEST_F(MockServerTest, DownloadsAnswer404ForUnknownJobsAndTasks) {
  start();
  const json job = create_job("wf-1");
  expect_documented_error(client().Put("/v0/workflows/wf-1/jobs/nope/download"), 404, "not_found");
  expect_documented_error(
      client().Put("/v0/workflows/wf-2/jobs/" + job.value("id", "") + "/download"), 404,
      "not_found");
  expect_documented_error(client().Put(job_path(job) + "/tasks/nope/download"), 404, "not_found");
}

TEST_F(MockServerTest, UnknownRoutesAnswer404WithDocumentedBody) {
  start();
  expect_documented_error(client().Get("/v0/workflows/wf-1/nothing"), 404, "not_found");
  expect_documented_error(client().Get("/v0/nothing"), 404, "not_found");
  expect_documented_error(client().Post("/v0/projects"), 404, "not_found");
  expect_documented_error(client().Delete("/v0/workflows/wf-1/jobs"), 404, "not_found");
  expect_documented_error(client().Get("/nothing-here"), 404, "not_found");
}

TEST_F(MockServerTest, ListJobsOmitsTasksSpecAndValErrors) {
  start();
  create_job("wf-1");
  const json listed = body_of(client().Get("/v0/workflows/wf-1/jobs"));
  ASSERT_EQ(listed["jobs"].size(), 1u);
  const json& job = listed["jobs"][0];
  EXPECT_FALSE(job.contains("tasks"));
  EXPECT_FALSE(job.contains("spec"));
  EXPECT_FALSE(job.contains("val_errors"));
  for (const char* key : {"created_by", "status", "time_taken", "id", "cost", "workflow_id",
                          "updated_at", "finished_at", "exec_created_at", "exec_updated_at",
                          "created_at", "estimated_duration", "progress"}) {
    EXPECT_TRUE(job.contains(key)) << key;
  }
}

TEST_F(MockServerTest, ListJobsFiltersByIdStatusCreatedByAndCreatedOn) {
  start(options_with(0ms));
  const json done = create_job("wf-1");
  server().set_job_duration(1h);
  const json queued = create_job("wf-1");
  create_job("wf-2");

  const auto ids = [&](const std::string& query) {
    std::vector<json> out;
    const json listed = body_of(client().Get("/v0/workflows/wf-1/jobs" + query));
    for (const json& job : listed["jobs"]) out.push_back(job["id"]);
    return out;
  };
  const json a = done["id"];
  const json b = queued["id"];
  EXPECT_EQ(ids(""), (std::vector<json>{a, b}));
  EXPECT_EQ(ids("?id=" + a.get<std::string>()), (std::vector<json>{a}));
  EXPECT_EQ(ids("?status=completed"), (std::vector<json>{a}));
  EXPECT_EQ(ids("?status=queued"), (std::vector<json>{b}));
  EXPECT_EQ(ids("?created_by=mock-user"), (std::vector<json>{a, b}));
  EXPECT_EQ(ids("?created_by=someone-else"), std::vector<json>{});

  const std::string created_at =
      done.value("created_at", "");  // "YYYY-MM-DD hh:mm:ss.ffffff+00:00"
  const std::string day = created_at.substr(0, 10);
  EXPECT_EQ(ids("?created_on=" + day), (std::vector<json>{a, b}));
  EXPECT_EQ(ids("?created_on=" + day + "T" + created_at.substr(11, 8) + "Z"),
            (std::vector<json>{a, b}));
  EXPECT_EQ(ids("?created_on=1999-12-31"), std::vector<json>{});
  EXPECT_EQ(ids("?id=" + a.get<std::string>() + "&status=queued"), std::vector<json>{});
  expect_documented_error(client().Get("/v0/workflows/wf-1/jobs?created_on=yesterday"), 400,
                          "bad_request");
  EXPECT_EQ(body_of(client().Get("/v0/workflows/unused/jobs")), json({{"jobs", json::array()}}));
}

TEST_F(MockServerTest, DownloadJobIsPendingThenReadyWithASignedUrl) {
  pixxel::mock::ManualClock clock;
  start(options_with(1500ms, clock));
  const json job = create_job("wf-1");
  clock.advance(1499ms);
  const json pending = body_of(client().Put(job_path(job) + "/download"));
  EXPECT_EQ(
      pending,
      json({{"id", job["id"]}, {"status", "pending"}, {"signed_url", ""}, {"workflowId", "wf-1"}}));

  clock.advance(1ms);
  const json ready = body_of(client().Put(job_path(job) + "/download"));
  ASSERT_EQ(ready["status"], "ready") << ready.dump();
  EXPECT_EQ(ready["id"], job["id"]);
  EXPECT_EQ(ready["workflowId"], "wf-1");
  const std::string url = ready.value("signed_url", "");
  std::smatch match;
  ASSERT_TRUE(std::regex_match(
      url, match, std::regex(R"(http://127\.0\.0\.1:(\d+)/signed/[0-9a-f]+\?expires=(\d+))")))
      << url;
  EXPECT_EQ(std::stoi(match[1].str()), server().port());
  EXPECT_GT(std::stoll(match[2].str()), static_cast<long long>(std::time(nullptr)));
}

TEST_F(MockServerTest, DownloadTaskFollowsTheTaskState) {
  start(options_with(1h));
  const json slow = create_job("wf-1");
  const json pending = body_of(
      client().Put(job_path(slow) + "/tasks/" + slow["tasks"][0].value("id", "") + "/download"));
  EXPECT_EQ(pending, json({{"id", slow["tasks"][0]["id"]},
                           {"job_id", slow["id"]},
                           {"workflow_id", "wf-1"},
                           {"status", "pending"},
                           {"signed_url", ""}}));

  server().set_job_duration(0ms);
  const json quick = create_job("wf-1");
  const json ready = body_of(
      client().Put(job_path(quick) + "/tasks/" + quick["tasks"][2].value("id", "") + "/download"));
  EXPECT_EQ(ready["id"], quick["tasks"][2]["id"]);
  EXPECT_EQ(ready["job_id"], quick["id"]);
  EXPECT_EQ(ready["workflow_id"], "wf-1");
  EXPECT_EQ(ready["status"], "ready");

  const auto zip = make_client(std::nullopt)->Get(signed_path(ready.value("signed_url", "")));
  ASSERT_TRUE(zip);
  EXPECT_EQ(zip->status, 200);
  const auto entries = read_stored_zip(zip->body);
  ASSERT_EQ(entries.count("task.json"), 1u);
  EXPECT_EQ(json::parse(entries.at("task.json"))["id"], quick["tasks"][2]["id"]);
}

TEST_F(MockServerTest, SignedUrlServesAZipWithoutAuthorization) {
  start(options_with(0ms));
  const json job = create_job("wf-1");
  const json link = body_of(client().Put(job_path(job) + "/download"));
  ASSERT_EQ(link["status"], "ready");

  const auto result = make_client(std::nullopt)->Get(signed_path(link.value("signed_url", "")));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/zip");
  EXPECT_EQ(result->body.rfind(std::string("PK\x03\x04", 4), 0), 0u);
  const auto entries = read_stored_zip(result->body);
  EXPECT_EQ(entries.size(), 2u);
  ASSERT_EQ(entries.count("job.json"), 1u);
  EXPECT_EQ(json::parse(entries.at("job.json"))["id"], job["id"]);
  EXPECT_EQ(entries.count("README.txt"), 1u);

  EXPECT_EQ(server().download_count(), 1u);
  EXPECT_EQ(server().last_download_authorization(), std::nullopt);
}

TEST_F(MockServerTest, SignedUrlRecordsTheAuthorizationItReceives) {
  start(options_with(0ms));
  const json job = create_job("wf-1");
  const std::string path =
      signed_path(body_of(client().Put(job_path(job) + "/download")).value("signed_url", ""));
  EXPECT_EQ(make_client("leaked-key")->Get(path)->status, 200);
  EXPECT_EQ(server().last_download_authorization(), std::optional<std::string>("leaked-key"));
  EXPECT_EQ(make_client(std::nullopt)->Get(path)->status, 200);
  EXPECT_EQ(server().last_download_authorization(), std::nullopt);
  EXPECT_EQ(server().download_count(), 2u);
}

TEST_F(MockServerTest, UnknownOrExpiredSignedUrlsAnswer404) {
  MockOptions options = options_with(0ms);
  options.signed_url_ttl = 0ms;
  start(options);
  expect_documented_error(make_client(std::nullopt)->Get("/signed/0123456789abcdef"), 404,
                          "not_found");
  const json job = create_job("wf-1");
  const json link = body_of(client().Put(job_path(job) + "/download"));
  expect_documented_error(make_client(std::nullopt)->Get(signed_path(link.value("signed_url", ""))),
                          404, "not_found");
}

TEST_F(MockServerTest, FailRateOneAnswers503WithDocumentedBody) {
  MockOptions options;
  options.fail_rate = 1.0;
  start(options);
  expect_documented_error(client().Post("/v0/workflows/wf-1/jobs?project_id=p"), 503,
                          "service_unavailable");
  expect_documented_error(client().Get("/v0/workflows/wf-1/jobs"), 503, "service_unavailable");
  EXPECT_EQ(server().job_count(), 0u);
}

TEST_F(MockServerTest, FailAfterCreateRateOneStoresTheJobAndAnswers500) {
  MockOptions options;
  options.fail_after_create_rate = 1.0;
  start(options);
  expect_documented_error(client().Post("/v0/workflows/wf-1/jobs?project_id=p"), 500,
                          "internal_server_error");
  EXPECT_EQ(server().job_count(), 1u);
  // The job exists although its creator was told otherwise.
  const json listed = body_of(client().Get("/v0/workflows/wf-1/jobs"));
  ASSERT_EQ(listed["jobs"].size(), 1u) << listed.dump();

  server().set_fail_after_create_rate(0);
  EXPECT_EQ(create_job("wf-1")["workflow_id"], "wf-1");
  EXPECT_EQ(server().job_count(), 2u);
}

TEST_F(MockServerTest, SameSeedFailsTheSameCreatedJobs) {
  const auto statuses = [](std::uint64_t seed) {
    MockOptions options;
    options.seed = seed;
    options.fail_after_create_rate = 0.5;
    MockServer server(options);
    server.start();
    httplib::Client client(server.base_url());
    allow_slow_answers(client);
    client.set_default_headers({{"Authorization", kKey}});
    std::vector<int> out;
    for (int i = 0; i < 30; ++i) {
      out.push_back(client.Post("/v0/workflows/wf-1/jobs?project_id=p")->status);
    }
    EXPECT_EQ(server.job_count(), 30u);
    return out;
  };
  const std::vector<int> first = statuses(42);
  EXPECT_EQ(statuses(42), first);
  const std::set<int> distinct(first.begin(), first.end());
  EXPECT_EQ(distinct, (std::set<int>{200, 500}));
}

TEST_F(MockServerTest, RateLimitRateOneAnswers429WithRetryAfter) {
  MockOptions options;
  options.rate_limit_rate = 1.0;
  options.retry_after_seconds = 7;
  start(options);
  const auto result = client().Get("/v0/workflows/wf-1/jobs");
  expect_documented_error(result, 429, "too_many_requests");
  EXPECT_EQ(result->get_header_value("Retry-After"), "7");
}

TEST_F(MockServerTest, FaultsChangeMidRunAndSpareNonApiRoutes) {
  start(options_with(0ms));
  const json job = create_job("wf-1");
  const std::string path =
      signed_path(body_of(client().Put(job_path(job) + "/download")).value("signed_url", ""));

  server().set_fail_rate(1.0);
  EXPECT_EQ(client().Get(job_path(job))->status, 503);
  EXPECT_EQ(client().Get("/ping")->status, 200);
  EXPECT_EQ(make_client(std::nullopt)->Get(path)->status, 200);

  server().set_fail_rate(0);
  server().set_rate_limit_rate(1.0);
  EXPECT_EQ(client().Get(job_path(job))->status, 429);
  server().set_rate_limit_rate(0);
  EXPECT_EQ(client().Get(job_path(job))->status, 200);
}

TEST_F(MockServerTest, SameSeedGivesTheSameFaultSequence) {
  const auto statuses = [](std::uint64_t seed) {
    MockOptions options;
    options.seed = seed;
    options.fail_rate = 0.4;
    options.rate_limit_rate = 0.2;
    MockServer server(options);
    server.start();
    httplib::Client client(server.base_url());
    allow_slow_answers(client);
    client.set_default_headers({{"Authorization", kKey}});
    std::vector<int> out;
    for (int i = 0; i < 30; ++i) out.push_back(client.Get("/v0/workflows/wf-1/jobs")->status);
    return out;
  };
  const std::vector<int> first = statuses(42);
  EXPECT_EQ(statuses(42), first);
  EXPECT_NE(statuses(43), first);
  const std::set<int> distinct(first.begin(), first.end());
  EXPECT_EQ(distinct, (std::set<int>{200, 429, 503}));
}

TEST_F(MockServerTest, LatencyDelaysApiAnswers) {
  MockOptions options;
  options.latency = 150ms;
  start(options);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(client().Get("/v0/workflows/wf-1/jobs")->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms);

  server().set_latency(300ms);
  started = std::chrono::steady_clock::now();
  EXPECT_EQ(client().Get("/v0/workflows/wf-1/jobs")->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
}

TEST_F(MockServerTest, EveryAnswerCarriesARequestIdAndJsonContentType) {
  start();
  std::vector<httplib::Result> results;
  results.push_back(client().Get("/ping"));
  results.push_back(make_client("wrong")->Get("/v0/workflows/wf-1/jobs"));
  results.push_back(client().Post("/v0/workflows/wf-1/jobs?project_id=p"));
  results.push_back(client().Post("/v0/workflows/wf-1/jobs"));
  results.push_back(client().Get("/v0/workflows/wf-1/jobs/unknown"));
  results.push_back(client().Get("/unknown"));
  results.push_back(client().Get("/signed/unknown"));
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i]) << i;
    EXPECT_EQ(results[i]->get_header_value("X-Request-Id"), "req-" + std::to_string(i + 1));
    EXPECT_EQ(results[i]->get_header_value("Content-Type"), "application/json; charset=utf-8") << i;
  }
  EXPECT_EQ(server().request_count(), results.size());
}

TEST_F(MockServerTest, PercentEncodedIdsAreDecodedOneSegmentAtATime) {
  start();
  const auto created = client().Post("/v0/workflows/a%2Fb%20c%25d/jobs?project_id=p%2Bq%20r");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  const json job = body_of(created);
  EXPECT_EQ(job["workflow_id"], "a/b c%d");
  EXPECT_EQ(job["spec"]["project_id"], "p+q r");

  const std::string id = job.value("id", "");
  EXPECT_EQ(client().Get("/v0/workflows/a%2Fb%20c%25d/jobs/" + id)->status, 200);
  char first[4];
  std::snprintf(first, sizeof first, "%%%02X", static_cast<unsigned char>(id.at(0)));
  EXPECT_EQ(
      client().Get(std::string("/v0/workflows/a%2fb%20c%25d/jobs/") + first + id.substr(1))->status,
      200);
  EXPECT_EQ(client().Get("/v0/workflows/a/b%20c%25d/jobs/" + id)->status, 404);
  const json listed = body_of(client().Get("/v0/workflows/a%2Fb%20c%25d/jobs"));
  ASSERT_EQ(listed["jobs"].size(), 1u);
  EXPECT_EQ(listed["jobs"][0]["id"], job["id"]);
}

TEST_F(MockServerTest, BodylessPutWithoutContentLengthIsAnsweredPromptly) {
  start(options_with(0ms));
  const json job = create_job("wf-1");
  // curl's custom "PUT" without data sends neither Content-Length nor a chunked body.
  const std::string request = "PUT " + job_path(job) +
                              "/download HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Authorization: test-key\r\nConnection: close\r\n\r\n";
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(server().port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"status\":\"ready\""), std::string::npos) << answer;
}

TEST_F(MockServerTest, ConcurrentCreatesGiveDistinctJobs) {
  start();
  constexpr int kThreads = 4;
  constexpr int kJobsPerThread = 10;
  // httplib's client builds function-local static regexes on its first request, inside the
  // uninstrumented libcpp-httplib, where ThreadSanitizer cannot see the guard that orders
  // them: one request before the threads start makes their construction visibly ordered.
  ASSERT_EQ(client().Get("/ping")->status, 200);
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto own_client = make_client(kKey);
      for (int i = 0; i < kJobsPerThread; ++i) {
        const auto result = own_client->Post("/v0/workflows/wf-1/jobs?project_id=p");
        if (result && result->status == 200) ids[t].push_back(body_of(result).value("id", ""));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> distinct;
  for (const auto& list : ids) distinct.insert(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kJobsPerThread));
  EXPECT_EQ(server().job_count(), static_cast<std::size_t>(kThreads * kJobsPerThread));
  EXPECT_EQ(server().request_count(), static_cast<std::size_t>(kThreads * kJobsPerThread + 1));
}

TEST_F(MockServerTest, StartThrowsWhenThePortIsTaken) {
  start();
  MockOptions options;
  options.port = server().port();
  MockServer second(options);
  EXPECT_THROW(second.start(), std::runtime_error);
  EXPECT_THROW(server().start(), std::logic_error);
}

TEST_F(MockServerTest, StopIsPromptWithAnIdleKeepAliveConnectionAndIdempotent) {
  start();
  client().set_keep_alive(true);
  EXPECT_EQ(client().Get("/ping")->status, 200);
  const auto started = std::chrono::steady_clock::now();
  server().stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  server().stop();
  httplib::Client fresh(server().base_url());
  EXPECT_FALSE(fresh.Get("/ping"));
}

TEST_F(MockServerTest, ServesThreeHundredClientsThatEachKeepTheirConnection) {
  start();
  // More clients than the 256 threads of the fixed pool the mock had: each of those served one
  // connection from accept to close, so a client beyond them waited until an earlier client's
  // connection had been idle for the keep-alive timeout (5 s), and the server closed it. Every
  // wait below is generous for a loaded machine, and shorter than that timeout.
  constexpr std::size_t kClients = 300;
  constexpr auto kLimit = 4s;
  std::vector<pixxel::testing::RawConnection> connections;
  connections.reserve(kClients);
  std::size_t sent = 0;
  // GET /ping on connections [first, last) at once; how many were answered within kLimit.
  const auto ping = [&](std::size_t first, std::size_t last) {
    const std::string request = "GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for (std::size_t i = first; i < last; ++i) {
      if (connections[i].send_all(request)) ++sent;
    }
    const auto deadline = std::chrono::steady_clock::now() + kLimit;
    std::size_t answered = 0;
    for (std::size_t i = first; i < last; ++i) {
      const auto answer = connections[i].read_answer(deadline);
      if (answer && answer->rfind("HTTP/1.1 200 OK\r\n", 0) == 0 &&
          answer->find("\"pong\"") != std::string::npos) {
        ++answered;
      }
    }
    return answered;
  };

  // Clients arrive one after another (a new thread each takes time, under a sanitizer most of
  // all), and every 50 of them all the clients so far call again, so that none of them sits
  // idle for long.
  for (std::size_t i = 0; i < kClients; ++i) {
    connections.emplace_back(server().port());
    ASSERT_EQ(ping(i, i + 1), 1u) << "client " << i << " was not answered";
    if ((i + 1) % 50 == 0) {
      ASSERT_EQ(ping(0, i + 1), i + 1) << "after client " << i;
    }
  }
  // Then all of them at once.
  ASSERT_EQ(ping(0, kClients), kClients);
  const auto closed =
      std::count_if(connections.begin(), connections.end(),
                    [](const pixxel::testing::RawConnection& c) { return c.closed_by_peer(); });
  EXPECT_EQ(closed, 0);
  EXPECT_EQ(server().request_count(), sent);

  // stop() ends all those idle connections without waiting out their keep-alive timeout.
  const auto stopping = std::chrono::steady_clock::now();
  server().stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, kLimit);
  const auto closed_by_stop = std::count_if(
      connections.begin(), connections.end(),
      [](const pixxel::testing::RawConnection& c) { return c.closed_by_peer(kDeadline); });
  EXPECT_EQ(closed_by_stop, static_cast<std::ptrdiff_t>(kClients));
}

TEST_F(MockServerTest, RejectsOptionsOutOfRange) {
  const auto with = [](auto change) {
    MockOptions options;
    change(options);
    return options;
  };
  EXPECT_THROW(MockServer(with([](MockOptions& o) { o.fail_rate = 1.5; })), std::invalid_argument);
  EXPECT_THROW(MockServer(with([](MockOptions& o) { o.rate_limit_rate = -0.1; })),
               std::invalid_argument);
  EXPECT_THROW(MockServer(with([](MockOptions& o) { o.fail_after_create_rate = 1.01; })),
               std::invalid_argument);
  EXPECT_THROW(MockServer(with([](MockOptions& o) { o.api_key.clear(); })), std::invalid_argument);
  EXPECT_THROW(MockServer(with([](MockOptions& o) { o.job_duration = -1ms; })),
               std::invalid_argument);
  MockServer server;
  EXPECT_THROW(server.set_fail_rate(2), std::invalid_argument);
  EXPECT_THROW(server.set_fail_after_create_rate(-1), std::invalid_argument);
}

// --- Workflows, projects, estimates (the seeded catalog) ---
// Answers are held in non-const json: operator[] on a const json is undefined for a missing
// key, and a missing field must fail these tests, not crash them.

// The body of a 200 answer; a failure naming the answer otherwise.
json ok_body(const httplib::Result& result) {
  if (!result) {
    ADD_FAILURE() << httplib::to_string(result.error());
    return json::object();
  }
  EXPECT_EQ(result->status, 200) << result->body;
  return body_of(result);
}

std::vector<std::string> ids_of(const json& items) {
  std::vector<std::string> ids;
  for (json item : items) ids.push_back(item.value("id", ""));
  return ids;
}

const std::vector<std::string> kSeededWorkflows = {"wf-ndvi",      "wf-crop-health", "wf-invalid",
                                                   "wf-shoreline", "wf-flood-map",   "wf-fail"};

// One request on each catalog route that answers 200 with the right key.
const std::vector<std::string> kCatalogPaths = {"/v0/workflows",
                                                "/v0/workflows?project_id=prj-agri&limit=2",
                                                "/v0/workflows/wf-ndvi?project_id=prj-agri",
                                                "/v0/workflows/wf-ndvi/estimate",
                                                "/v0/projects",
                                                "/v0/projects?page_num=1&page_size=1",
                                                "/v0/projects/prj-agri"};

void expect_project_fields(json project) {
  for (const char* key :
       {"id", "name", "title", "org_id", "description", "created_at", "updated_at"}) {
    EXPECT_TRUE(project[key].is_string()) << key << " in " << project.dump();
  }
  EXPECT_TRUE(project["members_count"].is_number_integer()) << project.dump();
  EXPECT_TRUE(project["metadata"].is_object()) << project.dump();
  EXPECT_TRUE(std::regex_match(project.value("created_at", ""), kTimestamp)) << project.dump();
  EXPECT_TRUE(std::regex_match(project.value("updated_at", ""), kTimestamp)) << project.dump();
  EXPECT_EQ(project["org_id"], "org-demo");
}

TEST_F(MockServerTest, ListProjectsAnswersBothSeededProjectsWithTheirCount) {
  start();
  json listed = ok_body(client().Get("/v0/projects"));
  EXPECT_EQ(listed["count"], 2);
  ASSERT_EQ(listed["projects"].size(), 2u) << listed.dump();
  EXPECT_EQ(ids_of(listed["projects"]), (std::vector<std::string>{"prj-agri", "prj-coast"}));
  for (json project : listed["projects"]) expect_project_fields(project);
  EXPECT_EQ(listed["projects"][0]["name"], "agri-monitoring");
  EXPECT_EQ(listed["projects"][0]["title"], "Agriculture monitoring");
  EXPECT_EQ(listed["projects"][1]["name"], "coastal-watch");
  EXPECT_EQ(listed["projects"][1]["title"], "Coastal watch");
}

TEST_F(MockServerTest, ListProjectsPagesByOneBasedPageNumAndPageSize) {
  start();
  std::vector<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    SCOPED_TRACE(page);
    json listed =
        ok_body(client().Get("/v0/projects?page_size=1&page_num=" + std::to_string(page)));
    EXPECT_EQ(listed["count"], 2);  // the total, whatever the page
    ASSERT_EQ(listed["projects"].size(), page <= 2 ? 1u : 0u) << listed.dump();
    for (const std::string& id : ids_of(listed["projects"])) seen.push_back(id);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"prj-agri", "prj-coast"}));
  EXPECT_EQ(ok_body(client().Get("/v0/projects?page_num=2"))["projects"].size(), 0u);
  EXPECT_EQ(ok_body(client().Get("/v0/projects?page_num=99999999999999"))["projects"].size(), 0u);
}

TEST_F(MockServerTest, ListProjectsRejectsBadPageNumAndPageSizeWith400NamingThem) {
  start();
  for (const std::string query :
       {"page_num=0", "page_num=-1", "page_num=x", "page_num=", "page_num=1.5", "page_size=0",
        "page_size=1001", "page_size=-3", "page_size=ten", "page_size=%2B5"}) {
    SCOPED_TRACE(query);
    const auto result = client().Get("/v0/projects?" + query);
    expect_documented_error(result, 400, "bad_request");
    const std::string name = query.substr(0, query.find('='));
    EXPECT_NE(body_of(result)["error"].value("message", "").find(name), std::string::npos);
  }
  EXPECT_EQ(ok_body(client().Get("/v0/projects?page_size=1000"))["projects"].size(), 2u);
}

TEST_F(MockServerTest, GetProjectAnswersTheWrappedProjectAnd404ForUnknownOnes) {
  start();
  json answer = ok_body(client().Get("/v0/projects/prj-coast"));
  ASSERT_TRUE(answer.contains("project")) << answer.dump();
  json project = answer["project"];
  expect_project_fields(project);
  EXPECT_EQ(project["id"], "prj-coast");
  EXPECT_EQ(project["name"], "coastal-watch");
  EXPECT_EQ(project["title"], "Coastal watch");
  // The same project as the list shows.
  EXPECT_EQ(project, ok_body(client().Get("/v0/projects"))["projects"][1]);

  expect_documented_error(client().Get("/v0/projects/prj-nope"), 404, "not_found");
  expect_documented_error(client().Get("/v0/projects/prj-agri/members"), 404, "not_found");
}

TEST_F(MockServerTest, ListWorkflowsAnswersEverySeededWorkflowInSeededOrder) {
  start();
  json listed = ok_body(client().Get("/v0/workflows"));
  EXPECT_EQ(listed["pagination"], json({{"limit", 50}, {"offset", 0}, {"total", 6}}));
  EXPECT_EQ(ids_of(listed["workflows"]), kSeededWorkflows);
  const std::map<std::string, std::string> project_of = {
      {"wf-ndvi", "prj-agri"},       {"wf-crop-health", "prj-agri"}, {"wf-invalid", "prj-agri"},
      {"wf-shoreline", "prj-coast"}, {"wf-flood-map", "prj-coast"},  {"wf-fail", "prj-coast"}};
  for (json workflow : listed["workflows"]) {
    SCOPED_TRACE(workflow.dump());
    for (const char* key : {"id", "project_id", "legacy_project_id", "name", "created_by",
                            "description", "created_at", "updated_at"}) {
      ASSERT_TRUE(workflow[key].is_string()) << key;
      EXPECT_FALSE(workflow[key].get<std::string>().empty()) << key;
    }
    // The list form (dexter.ListWorkflowItem) has no spec, val_errors or cost.
    EXPECT_EQ(workflow.size(), 8u);
    EXPECT_EQ(workflow["project_id"], project_of.at(workflow["id"]));
    EXPECT_TRUE(std::regex_match(workflow.value("created_at", ""), kTimestamp));
    EXPECT_TRUE(std::regex_match(workflow.value("updated_at", ""), kTimestamp));
  }
}

TEST_F(MockServerTest, ListWorkflowsWalksEveryPageWithOffsetAndLimit) {
  start();
  std::vector<std::string> seen;
  for (int offset = 0; offset <= 6; offset += 2) {
    SCOPED_TRACE(offset);
    json page = ok_body(client().Get("/v0/workflows?limit=2&offset=" + std::to_string(offset)));
    EXPECT_EQ(page["pagination"], json({{"limit", 2}, {"offset", offset}, {"total", 6}}));
    ASSERT_EQ(page["workflows"].size(), offset < 6 ? 2u : 0u) << page.dump();
    for (const std::string& id : ids_of(page["workflows"])) seen.push_back(id);
  }
  EXPECT_EQ(seen, kSeededWorkflows);

  // An offset that is not a multiple of the limit, and a last page that is short.
  EXPECT_EQ(
      ids_of(ok_body(client().Get("/v0/workflows?offset=1&limit=4"))["workflows"]),
      (std::vector<std::string>{"wf-crop-health", "wf-invalid", "wf-shoreline", "wf-flood-map"}));
  EXPECT_EQ(ids_of(ok_body(client().Get("/v0/workflows?offset=5&limit=4"))["workflows"]),
            (std::vector<std::string>{"wf-fail"}));
  json far = ok_body(client().Get("/v0/workflows?offset=9223372036854775807&limit=1000"));
  EXPECT_EQ(far["workflows"], json::array());
  EXPECT_EQ(far["pagination"]["total"], 6);
}

TEST_F(MockServerTest, ListWorkflowsFiltersExactlyAndDatesByDay) {
  start();
  const auto listed = [&](const std::string& query) {
    json page = ok_body(client().Get("/v0/workflows?" + query));
    EXPECT_EQ(page["pagination"]["total"], page["workflows"].size()) << query;
    return ids_of(page["workflows"]);
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(listed("project_id=prj-agri"), (Ids{"wf-ndvi", "wf-crop-health", "wf-invalid"}));
  EXPECT_EQ(listed("project_id=prj-coast"), (Ids{"wf-shoreline", "wf-flood-map", "wf-fail"}));
  EXPECT_EQ(listed("project_id=prj"), Ids{});  // exact, not a prefix
  EXPECT_EQ(listed("id=wf-flood-map"), Ids{"wf-flood-map"});
  EXPECT_EQ(listed("name=crop-health"), Ids{"wf-crop-health"});
  EXPECT_EQ(listed("name=Crop-Health"), Ids{});
  EXPECT_EQ(listed("created_by=ops-user"), (Ids{"wf-crop-health", "wf-shoreline"}));
  EXPECT_EQ(listed("created_on=2024-03-01"), (Ids{"wf-ndvi", "wf-crop-health"}));
  EXPECT_EQ(listed("created_on=2024-03-01T23:59:59Z"), (Ids{"wf-ndvi", "wf-crop-health"}));
  EXPECT_EQ(listed("updated_at=2024-04-02"), (Ids{"wf-crop-health", "wf-shoreline"}));
  EXPECT_EQ(listed("updated_at=2024-04-02&project_id=prj-coast"), Ids{"wf-shoreline"});
  EXPECT_EQ(listed("created_on=2030-01-01"), Ids{});
  EXPECT_EQ(listed("id=&name="), kSeededWorkflows);  // empty filters filter nothing

  // total counts the filtered list, not the page.
  json page = ok_body(client().Get("/v0/workflows?project_id=prj-agri&limit=2&offset=2"));
  EXPECT_EQ(page["pagination"], json({{"limit", 2}, {"offset", 2}, {"total", 3}}));
  EXPECT_EQ(ids_of(page["workflows"]), Ids{"wf-invalid"});
}

TEST_F(MockServerTest, ListWorkflowsRejectsBadOffsetLimitAndDatesWith400NamingThem) {
  start();
  for (const std::string query :
       {"offset=-1", "offset=abc", "offset=", "offset=1e3", "offset=99999999999999999999",
        "limit=0", "limit=1001", "limit=-5", "limit=x", "limit=", "limit=%202",
        "created_on=yesterday", "updated_at=2024-13-01"}) {
    SCOPED_TRACE(query);
    const auto result = client().Get("/v0/workflows?" + query);
    expect_documented_error(result, 400, "bad_request");
    const std::string name = query.substr(0, query.find('='));
    EXPECT_NE(body_of(result)["error"].value("message", "").find(name), std::string::npos);
  }
  EXPECT_EQ(ok_body(client().Get("/v0/workflows?limit=1000"))["workflows"].size(), 6u);
}

TEST_F(MockServerTest, GetWorkflowAnswersTheBareWorkflowWithSpecAndValErrors) {
  start();
  json workflow = ok_body(client().Get("/v0/workflows/wf-crop-health?project_id=prj-agri"));
  for (const char* key :
       {"id", "name", "created_by", "description", "created_at", "updated_at", "project_id"}) {
    EXPECT_TRUE(workflow[key].is_string()) << key << " in " << workflow.dump();
  }
  EXPECT_EQ(workflow["id"], "wf-crop-health");
  EXPECT_EQ(workflow["project_id"], "prj-agri");
  EXPECT_EQ(workflow["estimated_cost"], 45);
  EXPECT_TRUE(workflow["spec"].is_object()) << workflow.dump();
  EXPECT_EQ(workflow["val_errors"], json::array());
  // The same workflow as the list shows, in its other form.
  json summary = ok_body(client().Get("/v0/workflows?id=wf-crop-health"))["workflows"].at(0);
  for (const char* key : {"name", "created_by", "description", "created_at", "updated_at"}) {
    EXPECT_EQ(workflow[key], summary[key]) << key;
  }

  json invalid = ok_body(client().Get("/v0/workflows/wf-invalid?project_id=prj-agri"));
  EXPECT_EQ(invalid["estimated_cost"], 0);
  ASSERT_EQ(invalid["val_errors"].size(), 2u) << invalid.dump();
  for (json error : invalid["val_errors"]) {
    for (const char* key : {"from", "to", "err", "reason", "component_name"}) {
      ASSERT_TRUE(error[key].is_string()) << key;
      EXPECT_FALSE(error[key].get<std::string>().empty()) << key;
    }
  }
}

TEST_F(MockServerTest, GetWorkflowNeedsItsOwnProjectId) {
  start();
  expect_documented_error(client().Get("/v0/workflows/wf-ndvi"), 400, "bad_request");
  expect_documented_error(client().Get("/v0/workflows/wf-ndvi?project_id="), 400, "bad_request");
  expect_documented_error(client().Get("/v0/workflows/wf-ndvi?project_id=prj-coast"), 404,
                          "not_found");
  expect_documented_error(client().Get("/v0/workflows/wf-nope?project_id=prj-agri"), 404,
                          "not_found");
  EXPECT_EQ(ok_body(client().Get("/v0/workflows/wf-fail?project_id=prj-coast"))["id"], "wf-fail");
}

TEST_F(MockServerTest, EstimateEqualsTheCostOfAJobOnTheSameWorkflow) {
  start();
  std::set<std::int64_t> costs;
  for (const std::string workflow : {"wf-ndvi", "wf-flood-map", "wf-crop-health"}) {
    SCOPED_TRACE(workflow);
    json estimate = ok_body(client().Get("/v0/workflows/" + workflow + "/estimate"));
    ASSERT_EQ(estimate.size(), 1u) << estimate.dump();
    ASSERT_TRUE(estimate["estimated_cost"].is_number_integer()) << estimate.dump();
    json job = create_job(workflow, "prj-agri");
    EXPECT_EQ(job["cost"], estimate["estimated_cost"]);
    EXPECT_EQ(get_job(job)["cost"], estimate["estimated_cost"]);
    costs.insert(estimate["estimated_cost"].get<std::int64_t>());
  }
  EXPECT_EQ(costs, (std::set<std::int64_t>{30, 45, 60}));

  // Jobs on workflows the catalog does not know are still accepted, at the default cost.
  EXPECT_EQ(create_job("wf-1")["cost"], 30);
  expect_documented_error(client().Get("/v0/workflows/wf-1/estimate"), 404, "not_found");
}

TEST_F(MockServerTest, JobOnTheInvalidWorkflowCarriesItsValErrorsAndFailsAtOnce) {
  // The clock never moves: the job is failed from its creation, not after a while.
  pixxel::mock::ManualClock clock;
  start(options_with(600ms, clock));
  json val_errors =
      ok_body(client().Get("/v0/workflows/wf-invalid?project_id=prj-agri"))["val_errors"];
  ASSERT_EQ(val_errors.size(), 2u);

  json created = create_job("wf-invalid", "prj-agri");
  for (json job : {created, get_job(created)}) {
    SCOPED_TRACE(job.dump());
    EXPECT_EQ(job["status"], "failed");
    EXPECT_EQ(job["val_errors"], val_errors);
    EXPECT_EQ(job["tasks"], json::array());
    EXPECT_EQ(job["cost"], 0);
    EXPECT_EQ(job["progress"], "0");
    EXPECT_EQ(job["finished_at"], job["created_at"]);
    EXPECT_EQ(job["exec_created_at"], "");
  }
  json listed = ok_body(client().Get("/v0/workflows/wf-invalid/jobs?status=failed"));
  EXPECT_EQ(ids_of(listed["jobs"]), std::vector<std::string>{created.value("id", "")});
  EXPECT_EQ(ok_body(client().Put(job_path(created) + "/download"))["status"], "pending");

  // Jobs on valid workflows carry none.
  EXPECT_EQ(create_job("wf-ndvi", "prj-agri")["val_errors"], json::array());
}

TEST_F(MockServerTest, CatalogRoutesRejectMissingOrWrongKeyWith403) {
  start();
  for (const std::string& path : kCatalogPaths) {
    SCOPED_TRACE(path);
    expect_documented_error(make_client(std::nullopt)->Get(path), 403, "forbidden");
    expect_documented_error(make_client("wrong-key")->Get(path), 403, "forbidden");
    expect_documented_error(make_client("Bearer test-key")->Get(path), 403, "forbidden");
    EXPECT_EQ(client().Get(path)->status, 200);
  }
}

TEST_F(MockServerTest, CatalogRoutesGetTheSameInjectedFaultsAsTheJobsRoutes) {
  MockOptions options;
  options.retry_after_seconds = 4;
  start(options);
  server().set_fail_rate(1.0);
  for (const std::string& path : kCatalogPaths) {
    SCOPED_TRACE(path);
    expect_documented_error(client().Get(path), 503, "service_unavailable");
  }
  server().set_fail_rate(0);
  server().set_rate_limit_rate(1.0);
  for (const std::string& path : kCatalogPaths) {
    SCOPED_TRACE(path);
    const auto result = client().Get(path);
    expect_documented_error(result, 429, "too_many_requests");
    EXPECT_EQ(result->get_header_value("Retry-After"), "4");
  }
}

TEST_F(MockServerTest, CatalogIdsAreDecodedOneSegmentAtATime) {
  start();
  EXPECT_EQ(ok_body(client().Get("/v0/workflows/wf%2Dflood%2dmap/estimate"))["estimated_cost"], 60);
  EXPECT_EQ(ok_body(client().Get("/v0/projects/prj%2Dagri"))["project"]["id"], "prj-agri");
  EXPECT_EQ(
      ok_body(client().Get("/v0/workflows?project_id=prj%2Dcoast&limit=1"))["pagination"]["total"],
      3);
  // "%2F" is part of an id, not a separator: this asks for the workflow "wf-ndvi/estimate".
  expect_documented_error(client().Get("/v0/workflows/wf-ndvi%2Festimate?project_id=prj-agri"), 404,
                          "not_found");
  expect_documented_error(client().Get("/v0/projects/prj-agri%2F"), 404, "not_found");
}

TEST_F(MockServerTest, SeededCatalogIsTheSameWhateverTheSeed) {
  const auto catalog = [](std::uint64_t seed) {
    MockOptions options;
    options.seed = seed;
    MockServer server(options);
    server.start();
    httplib::Client client(server.base_url());
    allow_slow_answers(client);
    client.set_default_headers({{"Authorization", kKey}});
    return ok_body(client.Get("/v0/workflows")).dump() + ok_body(client.Get("/v0/projects")).dump();
  };
  EXPECT_EQ(catalog(1), catalog(2));
  EXPECT_EQ(catalog(0), catalog(1));
}

TEST(MockZipTest, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(pixxel::mock::detail::crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(pixxel::mock::detail::crc32(""), 0u);
}

TEST(MockZipTest, StoredZipListsEveryEntryWithItsData) {
  const std::string zip = pixxel::mock::detail::make_stored_zip(
      {{"a.txt", "hello"}, {"dir/b.json", "{}"}, {"empty", ""}}, 1'700'000'000);
  const auto entries = read_stored_zip(zip);
  EXPECT_EQ(entries, (std::map<std::string, std::string>{
                         {"a.txt", "hello"}, {"dir/b.json", "{}"}, {"empty", ""}}));
}

}  // namespace
