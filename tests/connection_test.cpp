// PixxelClient over a Connection: a gmock MockConnection stands in for the server, the client
// forwards every call with its CallOptions, and wait_for_job (blocking and async) is the
// client's own loop over the mocked get_job.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pixxel/mocks/mock_connection.hpp"
#include "pixxel/pixxel.hpp"
#include "support/client_options.hpp"
#include "support/concurrency.hpp"
#include "support/fake_transport.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using ::testing::_;
using ::testing::Field;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::Throw;

Job job_with(std::string status) {
  Job job;
  job.id = "job-1";
  job.workflow_id = "wf-1";
  job.status = std::move(status);
  return job;
}

// A fast wait: the mocked job moves on at every poll.
using testing::quick_wait;

TEST(ConnectionTest, ClientForwardsEachCallAndItsOptionsToTheConnection) {
  auto mock = std::make_shared<mocks::MockConnection>();
  CallOptions call;
  call.timeout = 1234ms;
  const auto with_timeout =
      Field(&CallOptions::timeout, std::optional<std::chrono::milliseconds>(1234ms));
  EXPECT_CALL(*mock, create_job("wf-1", "proj-1", with_timeout))
      .WillOnce(Return(job_with("queued")));
  EXPECT_CALL(*mock, get_job("wf-1", "job-1", with_timeout)).WillOnce(Return(job_with("running")));
  EXPECT_CALL(*mock, list_jobs("wf-1", Field(&ListJobsQuery::status, "failed"), with_timeout))
      .WillOnce(Return(std::vector<Job>{job_with("failed")}));
  DownloadLink link;
  link.status = "ready";
  EXPECT_CALL(*mock, download_job("wf-1", "job-1", with_timeout)).WillOnce(Return(link));
  EXPECT_CALL(*mock, download_task("wf-1", "job-1", "task-1", with_timeout)).WillOnce(Return(link));

  PixxelClient client(mock);
  EXPECT_EQ(client.create_job("wf-1", "proj-1", call).status, "queued");
  EXPECT_EQ(client.get_job("wf-1", "job-1", call).status, "running");
  ListJobsQuery query;
  query.status = "failed";
  EXPECT_EQ(client.list_jobs("wf-1", query, call).size(), 1u);
  EXPECT_EQ(client.download_job("wf-1", "job-1", call).status, "ready");
  EXPECT_EQ(client.download_task("wf-1", "job-1", "task-1", call).status, "ready");
}

TEST(ConnectionTest, AsyncCallsForwardToTheConnection) {
  auto mock = std::make_shared<mocks::MockConnection>();
  EXPECT_CALL(*mock, create_job_async("wf-1", "proj-1", _)).WillOnce([](auto, auto, const auto&) {
    std::promise<Job> p;
    p.set_value(job_with("queued"));
    return p.get_future();
  });
  PixxelClient client(mock);
  EXPECT_EQ(client.create_job_async("wf-1", "proj-1").get().status, "queued");
}

TEST(ConnectionTest, MockedErrorsReachTheCaller) {
  auto mock = std::make_shared<mocks::MockConnection>();
  EXPECT_CALL(*mock, get_job(_, _, _))
      .WillOnce(
          Throw(NotFoundError(404, "not_found", "no such job", nullptr, "", "", std::nullopt)));
  PixxelClient client(mock);
  EXPECT_THROW(client.get_job("wf-1", "nope"), NotFoundError);
}

TEST(ConnectionTest, CopiesOfAClientShareItsConnection) {
  auto mock = std::make_shared<mocks::MockConnection>();
  PixxelClient client(mock);
  PixxelClient copy = client;
  EXPECT_EQ(copy.connection(), client.connection());
  EXPECT_EQ(copy.connection().get(), mock.get());
  EXPECT_CALL(*mock, get_job(_, _, _)).Times(2).WillRepeatedly(Return(job_with("running")));
  client.get_job("wf-1", "job-1");
  copy.get_job("wf-1", "job-1");
}

TEST(ConnectionTest, NullConnectionIsRejected) {
  EXPECT_THROW(PixxelClient(std::shared_ptr<Connection>()), InvalidArgumentError);
}

TEST(ConnectionTest, ClientFromOptionsIsOverTheRealConnection) {
  ClientOptions o;
  o.api_key = "connection-key";
  o.base_url = "http://127.0.0.1:1/prefix/";
  auto connection = make_connection(o);
  EXPECT_EQ(connection->options().base_url, "http://127.0.0.1:1/prefix");
  EXPECT_EQ(PixxelClient(connection).base_url(), "http://127.0.0.1:1/prefix");
  EXPECT_EQ(PixxelClient(o).base_url(), "http://127.0.0.1:1/prefix");
}

TEST(ConnectionTest, WaitForJobPollsTheMockedGetJobUntilTheJobEnds) {
  auto mock = std::make_shared<mocks::MockConnection>();
  {
    InSequence order;
    EXPECT_CALL(*mock, get_job("wf-1", "job-1", _)).WillOnce(Return(job_with("running")));
    EXPECT_CALL(*mock, get_job("wf-1", "job-1", _)).WillOnce(Return(job_with("running")));
    EXPECT_CALL(*mock, get_job("wf-1", "job-1", _)).WillOnce(Return(job_with("completed")));
  }
  PixxelClient client(mock);
  std::vector<std::string> seen;
  WaitOptions wait = quick_wait();
  wait.on_update = [&](const Job& j) { seen.push_back(j.status); };
  EXPECT_EQ(client.wait_for_job("wf-1", "job-1", wait).status, "completed");
  EXPECT_EQ(seen, (std::vector<std::string>{"running", "running", "completed"}));
}

TEST(ConnectionTest, WaitForJobRidesOutARetryableMockedFailure) {
  auto mock = std::make_shared<mocks::MockConnection>();
  {
    InSequence order;
    EXPECT_CALL(*mock, get_job(_, _, _)).WillOnce(Throw(TransportError("reset", true)));
    EXPECT_CALL(*mock, get_job(_, _, _)).WillOnce(Return(job_with("failed")));
  }
  int poll_errors = 0;
  WaitOptions wait = quick_wait();
  wait.on_poll_error = [&](const Error&) { ++poll_errors; };
  EXPECT_EQ(PixxelClient(mock).wait_for_job("wf-1", "job-1", wait).status, "failed");
  EXPECT_EQ(poll_errors, 1);
}

TEST(ConnectionTest, WaitForJobPassesItsCallOptionsToEachPoll) {
  auto mock = std::make_shared<mocks::MockConnection>();
  CallOptions call;
  call.timeout = 77ms;
  EXPECT_CALL(
      *mock,
      get_job(_, _, Field(&CallOptions::timeout, std::optional<std::chrono::milliseconds>(77ms))))
      .WillOnce(Return(job_with("completed")));
  EXPECT_EQ(PixxelClient(mock).wait_for_job("wf-1", "job-1", {}, call).status, "completed");
}

TEST(ConnectionTest, WaitForJobAsyncOverAMockPollsTheMockedGetJob) {
  auto mock = std::make_shared<mocks::MockConnection>();
  {
    InSequence order;
    EXPECT_CALL(*mock, get_job(_, _, _)).WillOnce(Return(job_with("running")));
    EXPECT_CALL(*mock, get_job(_, _, _)).WillOnce(Return(job_with("completed")));
  }
  auto future = PixxelClient(mock).wait_for_job_async("wf-1", "job-1", quick_wait());
  EXPECT_EQ(future.get().status, "completed");
}

// The fallback wait runs on a token of its own (the program's exit cancels it too) that follows
// the caller's: cancelling the caller's ends a wait in its pause.
TEST(ConnectionTest, WaitForJobAsyncOverAMockEndsWhenItsTokenIsCancelled) {
  auto mock = std::make_shared<mocks::MockConnection>();
  std::promise<void> polled;
  EXPECT_CALL(*mock, get_job(_, _, _)).WillOnce([&](auto&&...) {
    polled.set_value();
    return job_with("running");
  });
  WaitOptions slow;
  slow.poll_interval = 60s;
  slow.max_poll_interval = 60s;
  CancellationSource source;
  CallOptions call;
  call.cancel = source.token();
  auto future = PixxelClient(mock).wait_for_job_async("wf-1", "job-1", slow, call);
  polled.get_future().wait();
  source.cancel();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready) << "the pause was not cancelled";
  EXPECT_THROW(future.get(), CancelledError);
}

TEST(ConnectionTest, WaitForJobAsyncReportsBadArgumentsThroughTheFuture) {
  auto mock = std::make_shared<mocks::MockConnection>();
  EXPECT_CALL(*mock, get_job(_, _, _)).Times(0);
  auto future = PixxelClient(mock).wait_for_job_async("", "job-1");
  EXPECT_THROW(future.get(), InvalidArgumentError);
  ClientOptions o;
  o.api_key = "k";
  o.base_url = "http://127.0.0.1:1";
  WaitOptions bad;
  bad.poll_interval = 0ms;
  EXPECT_THROW(PixxelClient(o).wait_for_job_async("wf", "job", bad).get(), InvalidArgumentError);
}

// The real connection over the user's transport: save_download goes through it, the
// connection's one transport, like every call.
TEST(ConnectionTest, SaveDownloadUsesTheConnectionsTransport) {
  auto transport = std::make_shared<testing::FakeTransport>();
  transport->then_answer(200, "zip bytes", {{"Content-Length", "9"}});
  ClientOptions o;
  o.api_key = "connection-test-key";
  o.base_url = "http://127.0.0.1:1";
  o.transport = transport;
  auto connection = make_connection(o);
  DownloadLink link;
  link.status = "ready";
  link.signed_url = "http://127.0.0.1:1/archive.zip?sig=abc";
  const std::string path =
      ::testing::TempDir() + "/connection_test_" + std::to_string(::getpid()) + ".zip";
  std::remove(path.c_str());
  EXPECT_EQ(PixxelClient(connection).save_download(link, path), 9u);
  EXPECT_EQ(transport->last().url, link.signed_url);
  EXPECT_FALSE(find_header(transport->last().headers, "Authorization"));
  std::remove(path.c_str());
}

// save_download is a call of the connection's: over a mock it is the mock's, and nothing is
// sent to the link's URL (which a server here would see) nor written to the path.
TEST(ConnectionTest, SaveDownloadOverAMockCallsTheMockAndSendsNothing) {
  testing::TestServer server;
  server.http().Get("/archive.zip", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("zip bytes", "application/zip");
  });
  server.start();
  DownloadLink link;
  link.status = "ready";
  link.signed_url = server.url() + "/archive.zip";
  const std::string path =
      ::testing::TempDir() + "/connection_test_mock_" + std::to_string(::getpid()) + ".zip";
  std::remove(path.c_str());
  auto mock = std::make_shared<mocks::MockConnection>();
  SaveOptions save;
  save.overwrite = true;
  CallOptions call;
  call.timeout = 5s;
  EXPECT_CALL(*mock, save_download(link, path, Field(&SaveOptions::overwrite, true),
                                   Field(&CallOptions::timeout,
                                         std::optional<std::chrono::milliseconds>(5s))))
      .WillOnce(Return(42u));
  EXPECT_EQ(PixxelClient(mock).save_download(link, path, save, call), 42u);
  EXPECT_EQ(server.request_count(), 0u);
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << path << " was written";
}

// A connection of the user's own written against the first calls: it implements the pure
// virtuals only, and still compiles now that save_download (with a default) is a call.
class FirstRoundConnection : public Connection {
 public:
  Job create_job(std::string_view, std::string_view, const CallOptions&) override { return {}; }
  Job get_job(std::string_view, std::string_view, const CallOptions&) override { return {}; }
  std::vector<Job> list_jobs(std::string_view, const ListJobsQuery&, const CallOptions&) override {
    return {};
  }
  DownloadLink download_job(std::string_view, std::string_view, const CallOptions&) override {
    return {};
  }
  DownloadLink download_task(std::string_view, std::string_view, std::string_view,
                             const CallOptions&) override {
    return {};
  }
  CostEstimate estimate_cost(std::string_view, const CallOptions&) override { return {}; }
  WorkflowPage list_workflows(const ListWorkflowsQuery&, const CallOptions&) override { return {}; }
  Workflow get_workflow(std::string_view, std::string_view, const CallOptions&) override {
    return {};
  }
  ProjectPage list_projects(const ListProjectsQuery&, const CallOptions&) override { return {}; }
  Project get_project(std::string_view, const CallOptions&) override { return {}; }
  std::string ping(const CallOptions&) override { return "pong"; }
  std::future<Job> create_job_async(std::string_view, std::string_view,
                                    const CallOptions&) override {
    return {};
  }
  std::future<Job> get_job_async(std::string_view, std::string_view, const CallOptions&) override {
    return {};
  }
};

TEST(ConnectionTest, ACallTheUsersConnectionDoesNotImplementThrowsUnimplementedError) {
  PixxelClient client(std::make_shared<FirstRoundConnection>());
  EXPECT_EQ(client.ping(), "pong");
  DownloadLink link;
  link.status = "ready";
  link.signed_url = "http://127.0.0.1:1/archive.zip";
  try {
    client.save_download(link, ::testing::TempDir() + "/never_written.zip");
    FAIL() << "expected UnimplementedError";
  } catch (const UnimplementedError& e) {
    EXPECT_EQ(e.call(), "save_download");
    EXPECT_NE(std::string(e.what()).find("save_download"), std::string::npos) << e.what();
    // A pixxel::Error like every error of the SDK's.
    EXPECT_NE(dynamic_cast<const Error*>(&e), nullptr);
  }
}

}  // namespace
}  // namespace pixxel
