// get, list, wait and download through a fake transport: paths, filters, polling, links and
// saving files; and one wait over libcurl against a loopback server.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/fake_transport.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;
using ::testing::HasSubstr;

std::string job_json(const std::string& status, const std::string& progress = "0") {
  return R"({"id": "job-1", "workflow_id": "wf-1", "status": ")" + status + R"(", "progress": ")" +
         progress + R"("})";
}

class LifecycleTest : public ::testing::Test {
 protected:
  ClientOptions options() {
    ClientOptions o;
    o.api_key = "life-key";
    o.base_url = "https://api.example.test";
    o.transport = transport_;
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 1ms;
    return o;
  }
  PixxelClient client() { return PixxelClient(options()); }

  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
};

TEST_F(LifecycleTest, GetJobReadsTheJobByEncodedIds) {
  transport_->then_answer(200, job_json("running"));
  EXPECT_EQ(client().get_job("wf 1", "job/1").status, "running");
  EXPECT_EQ(transport_->last().method, "GET");
  EXPECT_EQ(transport_->last().url, "https://api.example.test/v0/workflows/wf%201/jobs/job%2F1");
}

TEST_F(LifecycleTest, GetUnknownJobIsNotFound) {
  transport_->then_answer(404, R"({"error": {"code": "not_found", "message": "no job"}})");
  EXPECT_THROW(client().get_job("wf", "nope"), NotFoundError);
}

TEST_F(LifecycleTest, GetJobRejectsBadIdsBeforeAnyRequest) {
  EXPECT_THROW(client().get_job("wf", ""), InvalidArgumentError);
  EXPECT_THROW(client().get_job("wf", ".."), InvalidArgumentError);
  EXPECT_THROW(client().get_job("", "job"), InvalidArgumentError);
  EXPECT_THROW(client().download_task("wf", "job", "."), InvalidArgumentError);
  EXPECT_EQ(transport_->count(), 0u);
}

TEST_F(LifecycleTest, ListJobsSendsOnlyNonEmptyFilters) {
  transport_->then_answer(200, R"({"jobs": [{"id": "a"}, {"id": "b", "status": "completed"}]})");
  auto jobs = client().list_jobs("wf-1");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].status, "completed");
  EXPECT_EQ(transport_->last().url, "https://api.example.test/v0/workflows/wf-1/jobs");

  ListJobsQuery query;
  query.status = "running";
  query.created_on = "2024-05-01";
  client().list_jobs("wf-1", query);
  EXPECT_EQ(transport_->last().url,
            "https://api.example.test/v0/workflows/wf-1/jobs?status=running&created_on=2024-05-01");

  query = {};
  query.id = "a&b";
  query.created_by = "user 1";
  client().list_jobs("wf-1", query);
  EXPECT_EQ(transport_->last().url,
            "https://api.example.test/v0/workflows/wf-1/jobs?id=a%26b&created_by=user%201");
}

TEST_F(LifecycleTest, ListJobsRejectsControlCharactersInFilters) {
  ListJobsQuery query;
  query.status = "running\r\nX: y";
  EXPECT_THROW(client().list_jobs("wf-1", query), InvalidArgumentError);
  EXPECT_EQ(transport_->count(), 0u);
}

TEST_F(LifecycleTest, ListJobsDecodesPathsInsideTheList) {
  transport_->then_answer(200, R"({"jobs": [{"id": "a"}, {"cost": {}}]})");
  try {
    client().list_jobs("wf-1");
    FAIL() << "expected DecodeError";
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.path(), "jobs[1].cost");
  }
}

TEST_F(LifecycleTest, EmptyOrMissingJobListIsEmpty) {
  transport_->then_answer(200, R"({})");
  EXPECT_TRUE(client().list_jobs("wf-1").empty());
}

TEST_F(LifecycleTest, WaitPollsThroughStatesUntilTerminal) {
  transport_->then_answer(200, job_json("queued"));
  transport_->then_answer(200, job_json("running", "40"));
  transport_->then_answer(200, job_json("running", "80"));
  transport_->then_answer(200, job_json("Completed", "100"));
  std::vector<std::string> seen;
  WaitOptions wait;
  wait.poll_interval = 1ms;
  wait.max_poll_interval = 2ms;
  wait.on_update = [&](const Job& j) { seen.push_back(j.status + "/" + j.progress); };
  Job job = client().wait_for_job("wf-1", "job-1", wait);
  EXPECT_EQ(job.status, "Completed");
  EXPECT_EQ(seen,
            (std::vector<std::string>{"queued/0", "running/40", "running/80", "Completed/100"}));
  EXPECT_EQ(transport_->count(), 4u);
  for (const auto& r : transport_->requests()) {
    EXPECT_EQ(r.url, "https://api.example.test/v0/workflows/wf-1/jobs/job-1");
  }
}

TEST_F(LifecycleTest, WaitReturnsAFailedJobToo) {
  transport_->then_answer(200, job_json("failed"));
  WaitOptions wait;
  wait.poll_interval = 1ms;
  EXPECT_EQ(client().wait_for_job("wf-1", "job-1", wait).status, "failed");
  EXPECT_EQ(transport_->count(), 1u);
}

TEST_F(LifecycleTest, WaitTimesOut) {
  transport_->then_answer(200, job_json("running"));
  WaitOptions wait;
  wait.poll_interval = 5ms;
  wait.max_poll_interval = 10ms;
  wait.timeout = 60ms;
  try {
    client().wait_for_job("wf-1", "job-1", wait);
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("running"));
  }
  EXPECT_GE(transport_->count(), 2u);
}

TEST_F(LifecycleTest, WaitRidesOutAServiceUnavailablePoll) {
  transport_->then_answer(200, job_json("running"));
  transport_->then_answer(503, "{}");
  transport_->then_answer(200, job_json("completed"));
  WaitOptions wait;
  wait.poll_interval = 1ms;
  EXPECT_EQ(client().wait_for_job("wf-1", "job-1", wait).status, "completed");
  EXPECT_EQ(transport_->count(), 3u);
}

TEST_F(LifecycleTest, WaitPropagatesAnErrorThatRetriesCannotFix) {
  transport_->then_answer(200, job_json("running"));
  transport_->then_answer(404, "{}");
  WaitOptions wait;
  wait.poll_interval = 1ms;
  EXPECT_THROW(client().wait_for_job("wf-1", "job-1", wait), NotFoundError);
}

TEST_F(LifecycleTest, WaitCanBeStoppedByItsObserver) {
  transport_->then_answer(200, job_json("running"));
  WaitOptions wait;
  wait.poll_interval = 1ms;
  wait.on_update = [](const Job&) { throw std::runtime_error("stop"); };
  EXPECT_THROW(client().wait_for_job("wf-1", "job-1", wait), std::runtime_error);
  EXPECT_EQ(transport_->count(), 1u);
}

TEST_F(LifecycleTest, WaitRejectsBadOptions) {
  WaitOptions wait;
  wait.poll_interval = 0ms;
  EXPECT_THROW(client().wait_for_job("wf", "j", wait), InvalidArgumentError);
  wait.poll_interval = 10ms;
  wait.max_poll_interval = 5ms;
  EXPECT_THROW(client().wait_for_job("wf", "j", wait), InvalidArgumentError);
  wait.max_poll_interval = 10ms;
  wait.timeout = -1ms;
  EXPECT_THROW(client().wait_for_job("wf", "j", wait), InvalidArgumentError);
  EXPECT_EQ(transport_->count(), 0u);
}

// What a wait reported, in order: "update:<status>" from on_update and "error:<kind>" from
// on_poll_error (an HTTP status, "timeout" or "transport").
struct WaitLog {
  std::vector<std::string> entries;
  int server_errors = 0;  // on_poll_error calls with a ServerError

  void attach(WaitOptions& wait) {
    wait.on_update = [this](const Job& j) { entries.push_back("update:" + j.status); };
    wait.on_poll_error = [this](const Error& e) {
      if (const auto* api = dynamic_cast<const ApiError*>(&e)) {
        entries.push_back("error:" + std::to_string(api->status_code()));
      } else if (dynamic_cast<const TimeoutError*>(&e) != nullptr) {
        entries.push_back("error:timeout");
      } else if (dynamic_cast<const TransportError*>(&e) != nullptr) {
        entries.push_back("error:transport");
      } else {
        entries.push_back("error:other");
      }
      if (dynamic_cast<const ServerError*>(&e) != nullptr) ++server_errors;
    };
  }
};

WaitOptions fast_wait() {
  WaitOptions wait;
  wait.poll_interval = 1ms;
  wait.max_poll_interval = 2ms;
  return wait;
}

TEST_F(LifecycleTest, WaitRidesOutAnOutageLongerThanOneCallsRetries) {
  // Five 503s with max_retries 2: one poll fails all three attempts, the next succeeds on its
  // third.
  transport_->then_answer(200, job_json("running"));
  for (int i = 0; i < 5; ++i) transport_->then_answer(503, R"({"error": {"message": "down"}})");
  transport_->then_answer(200, job_json("completed"));
  ClientOptions o = options();
  o.retry.max_retries = 2;
  WaitOptions wait = fast_wait();
  wait.timeout = 10min;
  WaitLog log;
  log.attach(wait);
  EXPECT_EQ(PixxelClient(o).wait_for_job("wf-1", "job-1", wait).status, "completed");
  EXPECT_EQ(transport_->count(), 7u);
  EXPECT_EQ(log.entries,
            (std::vector<std::string>{"update:running", "error:503", "update:completed"}));
  EXPECT_EQ(log.server_errors, 1);
}

TEST_F(LifecycleTest, WaitWithoutTimeoutRidesOutEveryRetryableStatus) {
  transport_->then_answer(200, job_json("running"));
  for (int status : {429, 408, 500, 502, 503, 504}) transport_->then_answer(status, "{}");
  transport_->then_answer(200, job_json("completed"));
  ClientOptions o = options();
  o.retry.max_retries = 0;
  WaitOptions wait = fast_wait();
  ASSERT_EQ(wait.timeout.count(), 0);
  WaitLog log;
  log.attach(wait);
  EXPECT_EQ(PixxelClient(o).wait_for_job("wf-1", "job-1", wait).status, "completed");
  EXPECT_EQ(transport_->count(), 8u);
  EXPECT_EQ(log.entries,
            (std::vector<std::string>{"update:running", "error:429", "error:408", "error:500",
                                      "error:502", "error:503", "error:504", "update:completed"}));
}

TEST_F(LifecycleTest, WaitRidesOutRefusedConnectionsResetsAndTimeouts) {
  transport_->then_answer(200, job_json("running"));
  transport_->then_throw(TransportError("connect refused", /*request_sent=*/false));
  transport_->then_throw(TransportError("connection reset", /*request_sent=*/true));
  transport_->then_throw(TimeoutError("timed out", /*request_sent=*/true));
  transport_->then_answer(200, job_json("completed"));
  ClientOptions o = options();
  o.retry.max_retries = 0;
  WaitOptions wait = fast_wait();
  wait.timeout = 10min;
  WaitLog log;
  log.attach(wait);
  EXPECT_EQ(PixxelClient(o).wait_for_job("wf-1", "job-1", wait).status, "completed");
  EXPECT_EQ(transport_->count(), 5u);
  EXPECT_EQ(log.entries,
            (std::vector<std::string>{"update:running", "error:transport", "error:transport",
                                      "error:timeout", "update:completed"}));
}

TEST_F(LifecycleTest, WaitEndsAtOnceOnNotFoundAfterAnOutage) {
  transport_->then_answer(200, job_json("running"));
  for (int i = 0; i < 3; ++i) transport_->then_answer(503, "{}");
  transport_->then_answer(404, R"({"error": {"code": "not_found", "message": "no job"}})");
  // Reached only if the wait went on after the 404.
  transport_->then_answer(200, job_json("completed"));
  ClientOptions o = options();
  o.retry.max_retries = 2;
  WaitOptions wait = fast_wait();
  wait.timeout = 10min;
  WaitLog log;
  log.attach(wait);
  EXPECT_THROW(PixxelClient(o).wait_for_job("wf-1", "job-1", wait), NotFoundError);
  EXPECT_EQ(transport_->count(), 5u);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"update:running", "error:503"}));
}

TEST_F(LifecycleTest, WaitEndsAtOnceOnAnUndecodableJob) {
  transport_->then_answer(200, job_json("running"));
  transport_->then_answer(200, "not json");
  transport_->then_answer(200, job_json("completed"));
  WaitOptions wait = fast_wait();
  wait.timeout = 10min;
  WaitLog log;
  log.attach(wait);
  EXPECT_THROW(client().wait_for_job("wf-1", "job-1", wait), DecodeError);
  EXPECT_EQ(transport_->count(), 2u);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"update:running"}));
}

TEST_F(LifecycleTest, WaitThroughAnOutagePastItsTimeoutNamesTheLastFailure) {
  transport_->then_answer(200, job_json("running"));
  // The server echoes the key: the TimeoutError must not.
  transport_->then_answer(503, R"({"error": {"message": "maintenance for life-key"}})");
  ClientOptions o = options();
  o.retry.max_retries = 0;
  WaitOptions wait = fast_wait();
  wait.timeout = 50ms;
  WaitLog log;
  log.attach(wait);
  try {
    PixxelClient(o).wait_for_job("wf-1", "job-1", wait);
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("last status: running"));
    EXPECT_THAT(e.what(), HasSubstr("last poll failed: Pixxel API error 503: maintenance"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("life-key")));
  }
  // Every failed poll but the last was ridden out; the last one is in the TimeoutError.
  ASSERT_GE(transport_->count(), 2u);
  EXPECT_EQ(log.entries.size(), transport_->count() - 1);  // one update, then the errors
  EXPECT_EQ(log.server_errors, static_cast<int>(transport_->count()) - 2);
}

TEST_F(LifecycleTest, WaitHonoursRetryAfterUpToItsTimeout) {
  // Retry-After is far beyond the wait: the wait sleeps to its deadline, polls once there and
  // gives up, instead of polling every millisecond.
  transport_->then_answer(429, "{}", {{"Retry-After", "60"}});
  ClientOptions o = options();
  o.retry.max_retries = 0;
  WaitOptions wait = fast_wait();
  wait.timeout = 300ms;
  WaitLog log;
  log.attach(wait);
  const auto started = std::chrono::steady_clock::now();
  try {
    PixxelClient(o).wait_for_job("wf-1", "job-1", wait);
    FAIL() << "expected TimeoutError";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("last status: none"));
    EXPECT_THAT(e.what(), HasSubstr("429"));
  }
  EXPECT_EQ(transport_->count(), 2u);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"error:429"}));
  // Not a timing window: only sleeping the whole Retry-After would come near it.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST_F(LifecycleTest, WaitStopsWhenOnPollErrorThrows) {
  transport_->then_answer(200, job_json("running"));
  transport_->then_answer(503, "{}");
  ClientOptions o = options();
  o.retry.max_retries = 0;
  WaitOptions wait = fast_wait();
  wait.on_poll_error = [](const Error&) { throw std::runtime_error("enough"); };
  try {
    PixxelClient(o).wait_for_job("wf-1", "job-1", wait);
    FAIL() << "expected the observer's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "enough");
  }
  EXPECT_EQ(transport_->count(), 2u);
}

TEST(LifecycleCurlTest, WaitRidesOutADroppedConnectionAndAnOutageOverLibcurl) {
  // Answer 1: running; 2: the connection closes unanswered; 3-7: 503; 8: completed. With
  // max_retries 2 that is polls of 1, 3 (failed), 3 (failed) and 1 requests.
  int served = 0;
  testing::ScriptedServer server([&served](const std::string&) -> std::string {
    const int n = ++served;
    auto answer = [](const std::string& status, const std::string& body) {
      return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    };
    if (n == 1) return answer("200 OK", job_json("running"));
    if (n == 2) return std::string();
    if (n <= 7) return answer("503 Service Unavailable", R"({"error": {"message": "down"}})");
    return answer("200 OK", job_json("completed"));
  });
  ClientOptions o;
  o.api_key = "life-key";
  o.base_url = server.url();
  o.retry.max_retries = 2;
  o.retry.initial_backoff = 1ms;
  o.retry.max_backoff = 1ms;
  WaitOptions wait = fast_wait();
  wait.timeout = 10min;
  WaitLog log;
  log.attach(wait);
  EXPECT_EQ(PixxelClient(o).wait_for_job("wf-1", "job-1", wait).status, "completed");
  EXPECT_EQ(server.request_count(), 8u);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"update:running", "error:503", "error:503",
                                                   "update:completed"}));
  EXPECT_EQ(log.server_errors, 2);
}

TEST_F(LifecycleTest, DownloadJobAcceptsTheCamelCaseWorkflowId) {
  transport_->then_answer(
      200, R"({"id": "d1", "status": "ready", "signed_url": "https://s/x", "workflowId": "wf-1"})");
  DownloadLink link = client().download_job("wf-1", "job-1");
  EXPECT_EQ(transport_->last().method, "PUT");
  EXPECT_EQ(transport_->last().url,
            "https://api.example.test/v0/workflows/wf-1/jobs/job-1/download");
  EXPECT_EQ(link.workflow_id, "wf-1");
  EXPECT_EQ(link.status, "ready");
  EXPECT_EQ(link.signed_url, "https://s/x");
}

TEST_F(LifecycleTest, DownloadTaskAcceptsTheSnakeCaseWorkflowId) {
  transport_->then_answer(200, R"({"id": "d2", "status": "pending", "signed_url": "",
                                   "workflow_id": "wf-1", "job_id": "job-1"})");
  DownloadLink link = client().download_task("wf-1", "job-1", "task 3");
  EXPECT_EQ(transport_->last().url,
            "https://api.example.test/v0/workflows/wf-1/jobs/job-1/tasks/task%203/download");
  EXPECT_EQ(link.workflow_id, "wf-1");
  EXPECT_EQ(link.job_id, "job-1");
  EXPECT_EQ(link.status, "pending");
}

TEST_F(LifecycleTest, DownloadIsRetriedLikeAnIdempotentCall) {
  transport_->then_answer(502, "{}");
  transport_->then_answer(200, R"({"id": "d-1", "status": "pending"})");
  EXPECT_EQ(client().download_job("wf-1", "job-1").status, "pending");
  EXPECT_EQ(transport_->count(), 2u);
}

class SaveDownloadTest : public LifecycleTest {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pixxel-save-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::remove((dir_ + "/out.zip").c_str());
    std::remove((dir_ + "/out.zip.part").c_str());
    ::rmdir(dir_.c_str());
  }
  static DownloadLink ready(std::string url = "https://files.example.test/a.zip?sig=SECRET") {
    DownloadLink link;
    link.status = "ready";
    link.signed_url = std::move(url);
    return link;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool exists(const std::string& path) { return std::ifstream(path).good(); }

  std::string dir_;
};

TEST_F(SaveDownloadTest, SavesTheArchiveWithoutSendingTheKey) {
  const std::string zip = std::string("PK\x03\x04", 4) + " archive bytes";
  transport_->then_answer(200, zip);
  std::vector<DownloadProgress> progress;
  SaveOptions save;
  save.on_progress = [&](const DownloadProgress& p) { progress.push_back(p); };
  std::vector<RequestEvent> events;
  ClientOptions o = options();
  o.on_request = [&](const RequestEvent& e) { events.push_back(e); };
  const auto written = PixxelClient(o).save_download(ready(), dir_ + "/out.zip", save);

  EXPECT_EQ(written, zip.size());
  EXPECT_EQ(read(dir_ + "/out.zip"), zip);
  EXPECT_FALSE(exists(dir_ + "/out.zip.part"));
  const HttpRequest request = transport_->last();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://files.example.test/a.zip?sig=SECRET");
  EXPECT_FALSE(find_header(request.headers, "Authorization").has_value());
  for (const auto& [name, value] : request.headers) {
    EXPECT_THAT(value, ::testing::Not(HasSubstr("life-key"))) << name;
  }
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().received, zip.size());
  EXPECT_EQ(progress.back().total, zip.size());
  // The signature in the query is a credential too: events leave it out.
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].url, "https://files.example.test/a.zip?...");
}

TEST_F(SaveDownloadTest, RefusesALinkThatIsNotReady) {
  DownloadLink link = ready();
  link.status = "pending";
  EXPECT_THROW(client().save_download(link, dir_ + "/out.zip"), InvalidArgumentError);
  link = ready("");
  EXPECT_THROW(client().save_download(link, dir_ + "/out.zip"), InvalidArgumentError);
  link = ready("ftp://files.example.test/a.zip");
  EXPECT_THROW(client().save_download(link, dir_ + "/out.zip"), InvalidArgumentError);
  link = ready("http://files.example.test/a.zip");
  EXPECT_THROW(client().save_download(link, dir_ + "/out.zip"), InvalidArgumentError);
  EXPECT_EQ(transport_->count(), 0u);
}

TEST_F(SaveDownloadTest, KeepsAnExistingFileUnlessToldToOverwrite) {
  { std::ofstream(dir_ + "/out.zip") << "old"; }
  transport_->then_answer(200, "new");
  EXPECT_THROW(client().save_download(ready(), dir_ + "/out.zip"), InvalidArgumentError);
  EXPECT_EQ(read(dir_ + "/out.zip"), "old");
  SaveOptions save;
  save.overwrite = true;
  client().save_download(ready(), dir_ + "/out.zip", save);
  EXPECT_EQ(read(dir_ + "/out.zip"), "new");
}

TEST_F(SaveDownloadTest, AnErrorAnswerLeavesNoFile) {
  transport_->then_answer(403, R"({"message": "signature expired"})");
  try {
    client().save_download(ready(), dir_ + "/out.zip");
    FAIL() << "expected PermissionDeniedError";
  } catch (const PermissionDeniedError& e) {
    EXPECT_EQ(e.message(), "signature expired");
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("SECRET")));
  }
  EXPECT_FALSE(exists(dir_ + "/out.zip"));
  EXPECT_FALSE(exists(dir_ + "/out.zip.part"));
}

TEST_F(SaveDownloadTest, ACancellingObserverLeavesNoFile) {
  transport_->then_answer(200, "bytes");
  SaveOptions save;
  save.on_progress = [](const DownloadProgress&) { throw std::runtime_error("cancelled"); };
  EXPECT_THROW(client().save_download(ready(), dir_ + "/out.zip", save), std::runtime_error);
  EXPECT_FALSE(exists(dir_ + "/out.zip"));
  EXPECT_FALSE(exists(dir_ + "/out.zip.part"));
}

TEST_F(SaveDownloadTest, AnUnwritablePathIsAnError) {
  transport_->then_answer(200, "bytes");
  EXPECT_THROW(client().save_download(ready(), dir_ + "/no/such/dir/out.zip"), Error);
}

// Headers of a whole answer from a server that serves byte ranges of "0123456789".
Headers ranged_headers(Headers validators = {{"ETag", "\"e1\""}}) {
  Headers headers{{"Content-Length", "10"}, {"Accept-Ranges", "bytes"}};
  headers.insert(headers.end(), validators.begin(), validators.end());
  return headers;
}

TEST_F(SaveDownloadTest, ResumesACutDownloadFromWhereTheFileEnds) {
  transport_->then_cut(200, "0123456789", 4, ranged_headers());
  transport_->then_answer(
      206, "456789",
      {{"Content-Length", "6"}, {"Content-Range", "bytes 4-9/10"}, {"ETag", "\"e1\""}});
  std::vector<RequestEvent> events;
  ClientOptions o = options();
  o.on_request = [&](const RequestEvent& e) { events.push_back(e); };

  EXPECT_EQ(PixxelClient(o).save_download(ready(), dir_ + "/out.zip"), 10u);
  EXPECT_EQ(read(dir_ + "/out.zip"), "0123456789");
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(find_header(requests[0].headers, "Range").has_value());
  EXPECT_EQ(find_header(requests[1].headers, "Range"), "bytes=4-");
  EXPECT_EQ(find_header(requests[1].headers, "If-Range"), "\"e1\"");
  // Events show each attempt's own request.
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(find_header(events[1].request_headers, "Range"), "bytes=4-");
}

TEST_F(SaveDownloadTest, IfRangeUsesLastModifiedWhenTheETagIsWeak) {
  const std::string date = "Tue, 15 Nov 1994 12:45:26 GMT";
  transport_->then_cut(200, "0123456789", 4,
                       ranged_headers({{"ETag", "W/\"e1\""}, {"Last-Modified", date}}));
  transport_->then_answer(206, "456789", {{"Content-Range", "bytes 4-9/10"}});
  EXPECT_EQ(client().save_download(ready(), dir_ + "/out.zip"), 10u);
  EXPECT_EQ(read(dir_ + "/out.zip"), "0123456789");
  EXPECT_EQ(find_header(transport_->last().headers, "If-Range"), date);
}

TEST_F(SaveDownloadTest, WithoutAValidatorARetryAsksForTheWholeObject) {
  transport_->then_cut(200, "0123456789", 4, ranged_headers({}));
  transport_->then_answer(200, "0123456789", ranged_headers({}));
  EXPECT_EQ(client().save_download(ready(), dir_ + "/out.zip"), 10u);
  EXPECT_EQ(read(dir_ + "/out.zip"), "0123456789");
  EXPECT_FALSE(find_header(transport_->last().headers, "Range").has_value());
}

TEST_F(SaveDownloadTest, APartThatDoesNotContinueTheFileIsNotAppended) {
  transport_->then_cut(200, "0123456789", 4, ranged_headers());
  transport_->then_answer(206, "23456789", {{"Content-Range", "bytes 2-9/10"}});
  transport_->then_answer(200, "0123456789", ranged_headers());
  EXPECT_EQ(client().save_download(ready(), dir_ + "/out.zip"), 10u);
  EXPECT_EQ(read(dir_ + "/out.zip"), "0123456789");
  ASSERT_EQ(transport_->count(), 3u);
  EXPECT_FALSE(find_header(transport_->last().headers, "Range").has_value());
}

TEST_F(SaveDownloadTest, ABodyShorterThanItsContentLengthIsATransportError) {
  transport_->then_answer(200, "012", {{"Content-Length", "10"}});
  EXPECT_THROW(client().save_download(ready(), dir_ + "/out.zip"), TransportError);
  EXPECT_EQ(transport_->count(), 3u);  // retried, like any broken transfer
  EXPECT_FALSE(exists(dir_ + "/out.zip"));
  EXPECT_FALSE(exists(dir_ + "/out.zip.part"));
}

}  // namespace
}  // namespace pixxel
