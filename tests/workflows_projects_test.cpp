// The workflow, project, estimate and ping calls: the requests they build (through a fake
// transport), the answers and contradictions they accept, the arguments they refuse before
// any I/O, and list_all_workflows' walk over a mocked list_workflows, which must end, with an
// error, on a server that pages wrongly.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_server.hpp"
#include "pixxel/mocks/mock_connection.hpp"
#include "pixxel/pixxel.hpp"
#include "support/fake_transport.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using ::testing::_;
using ::testing::AllOf;
using testing::FakeTransport;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::InSequence;
using ::testing::Return;

constexpr char kKey[] = "sk-test-0123456789abcdef";
constexpr char kBase[] = "https://api.example.test";

class WorkflowsProjectsTest : public ::testing::Test {
 protected:
  PixxelClient client(int max_retries = 0) {
    ClientOptions o;
    o.api_key = kKey;
    o.base_url = kBase;
    o.transport = transport_;
    o.retry.max_retries = max_retries;
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 1ms;
    return PixxelClient(o);
  }

  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
};

TEST_F(WorkflowsProjectsTest, EstimateCostGetsTheEstimateOfTheWorkflow) {
  transport_->then_answer(200, R"({"estimated_cost": 120})");
  EXPECT_EQ(client().estimate_cost("wf/1").estimated_cost, 120);
  EXPECT_EQ(transport_->last().method, "GET");
  EXPECT_EQ(transport_->last().url, std::string(kBase) + "/v0/workflows/wf%2F1/estimate");
}

TEST_F(WorkflowsProjectsTest, EstimateCostTakesANumberAsText) {
  transport_->then_answer(200, R"({"estimated_cost": "75"})");
  EXPECT_EQ(client().estimate_cost("wf-1").estimated_cost, 75);
}

TEST_F(WorkflowsProjectsTest, ListWorkflowsSendsEveryFilterAndThePage) {
  transport_->then_answer(200, R"({"workflows": [
      {"id": "wf-1", "project_id": "prj-1", "legacy_project_id": "old-1", "name": "NDVI",
       "created_by": "u-1", "description": "d", "created_at": "2024-05-01T10:00:00Z",
       "updated_at": "2024-05-02T10:00:00Z"},
      {"id": "wf-2", "unknown_key": {"ignored": true}}],
      "pagination": {"limit": 2, "offset": 4, "total": 9}})");
  ListWorkflowsQuery query;
  query.project_id = "prj 1";
  query.id = "wf-1";
  query.name = "NDVI";
  query.created_by = "u-1";
  query.created_on = "2024-05-01";
  query.updated_at = "2024-05-02";
  query.offset = 4;
  query.limit = 2;
  const WorkflowPage page = client().list_workflows(query);
  EXPECT_EQ(transport_->last().url,
            std::string(kBase) +
                "/v0/workflows?project_id=prj%201&id=wf-1&name=NDVI&created_by=u-1"
                "&created_on=2024-05-01&updated_at=2024-05-02&offset=4&limit=2");
  ASSERT_EQ(page.workflows.size(), 2u);
  EXPECT_EQ(page.workflows[0].legacy_project_id, "old-1");
  EXPECT_EQ(page.workflows[0].created_at, "2024-05-01T10:00:00Z");
  EXPECT_EQ(page.workflows[1].id, "wf-2");
  EXPECT_EQ(page.pagination, (Pagination{2, 4, 9}));
}

TEST_F(WorkflowsProjectsTest, ListWorkflowsSendsOnlyThePageByDefault) {
  transport_->then_answer(200, R"({"workflows": null})");
  const WorkflowPage page = client().list_workflows();
  EXPECT_EQ(transport_->last().url, std::string(kBase) + "/v0/workflows?offset=0&limit=50");
  EXPECT_TRUE(page.workflows.empty());
  EXPECT_EQ(page.pagination, Pagination{});
}

TEST_F(WorkflowsProjectsTest, GetWorkflowKeepsItsSpecAndValidationErrors) {
  transport_->then_answer(200, R"({"id": "wf-1", "estimated_cost": 45.9, "name": "Crop health",
      "spec": {"blocks": [{"name": "ingest"}]}, "project_id": "prj-1",
      "val_errors": [{"from": "a", "to": "b", "err": "type mismatch", "reason": "r",
                      "component_name": "c"}]})");
  const Workflow workflow = client().get_workflow("wf-1", "prj-1");
  EXPECT_EQ(transport_->last().url, std::string(kBase) + "/v0/workflows/wf-1?project_id=prj-1");
  EXPECT_EQ(workflow.estimated_cost, 45);  // a float is truncated
  EXPECT_EQ(workflow.spec["blocks"][0]["name"], "ingest");
  ASSERT_EQ(workflow.val_errors.size(), 1u);
  EXPECT_EQ(workflow.val_errors[0].err, "type mismatch");
  EXPECT_EQ(workflow.project_id, "prj-1");
}

TEST_F(WorkflowsProjectsTest, GetWorkflowKeepsASpecOfRawBytes) {
  transport_->then_answer(200, R"({"id": "wf-1", "spec": [123, 125]})");
  const Workflow workflow = client().get_workflow("wf-1", "prj-1");
  EXPECT_EQ(raw_bytes(workflow.spec), (std::vector<std::uint8_t>{'{', '}'}));
}

TEST_F(WorkflowsProjectsTest, ListProjectsReadsCountOrPaginationTotal) {
  transport_->then_answer(200, R"({"projects": [{"id": "prj-1", "name": "agri", "title": "Agri",
      "org_id": "org-1", "members_count": "4", "metadata": {"region": "IN"}}], "count": 7})");
  transport_->then_answer(200, R"({"projects": [{"id": "prj-2"}],
      "pagination": {"page_num": 2, "page_size": 1, "total": 8}})");
  PixxelClient c = client();
  ListProjectsQuery query;
  query.page_num = 3;
  query.page_size = 1;
  const ProjectPage reference = c.list_projects(query);
  EXPECT_EQ(transport_->last().url, std::string(kBase) + "/v0/projects?page_num=3&page_size=1");
  EXPECT_EQ(reference.total, 7);
  ASSERT_EQ(reference.projects.size(), 1u);
  EXPECT_EQ(reference.projects[0].members_count, 4);
  EXPECT_EQ(reference.projects[0].metadata, (nlohmann::json{{"region", "IN"}}));
  const ProjectPage guide = c.list_projects();
  EXPECT_EQ(transport_->last().url, std::string(kBase) + "/v0/projects?page_num=1&page_size=50");
  EXPECT_EQ(guide.total, 8);
  EXPECT_EQ(guide.projects.at(0).id, "prj-2");
}

TEST_F(WorkflowsProjectsTest, GetProjectAcceptsTheWrappedAndTheBareObject) {
  transport_->then_answer(200, R"({"project": {"id": "prj-1", "title": "Agri"}})");
  transport_->then_answer(200, R"({"id": "prj-1", "title": "Agri"})");
  PixxelClient c = client();
  const Project wrapped = c.get_project("prj-1");
  EXPECT_EQ(transport_->last().url, std::string(kBase) + "/v0/projects/prj-1");
  const Project bare = c.get_project("prj-1");
  EXPECT_EQ(wrapped.id, "prj-1");
  EXPECT_EQ(wrapped.title, "Agri");
  EXPECT_EQ(wrapped, bare);
}

TEST_F(WorkflowsProjectsTest, DecodeErrorsNameTheJsonPath) {
  const auto path_of = [&](const char* body, auto call) {
    transport_ = std::make_shared<FakeTransport>();
    transport_->then_answer(200, body, {{"X-Request-Id", "req-7"}});
    PixxelClient c = client();
    try {
      call(c);
    } catch (const DecodeError& e) {
      EXPECT_EQ(e.status_code(), 200);
      EXPECT_EQ(e.request_id(), "req-7");
      return e.path();
    }
    return std::string("no error");
  };
  EXPECT_EQ(path_of(R"({"estimated_cost": {}})", [](PixxelClient& c) { c.estimate_cost("w"); }),
            "estimated_cost");
  EXPECT_EQ(
      path_of(R"({"workflows": [{"id": "a"}, {"id": "b", "name": []}]})",
              [](PixxelClient& c) { c.list_workflows(); }),
      "workflows[1].name");
  EXPECT_EQ(path_of(R"({"workflows": [], "pagination": {"total": "many"}})",
                    [](PixxelClient& c) { c.list_workflows(); }),
            "pagination.total");
  EXPECT_EQ(path_of(R"({"id": "w", "val_errors": [{"err": {}}]})",
                    [](PixxelClient& c) { c.get_workflow("w", "p"); }),
            "val_errors[0].err");
  EXPECT_EQ(path_of(R"({"projects": [{"id": "p", "members_count": [1]}]})",
                    [](PixxelClient& c) { c.list_projects(); }),
            "projects[0].members_count");
  EXPECT_EQ(path_of(R"({"project": {"id": "p", "members_count": true}})",
                    [](PixxelClient& c) { c.get_project("p"); }),
            "project.members_count");
  EXPECT_EQ(path_of(R"(["not", "an", "object"])", [](PixxelClient& c) { c.get_project("p"); }), "");
}

TEST_F(WorkflowsProjectsTest, BadArgumentsFailBeforeAnyRequest) {
  PixxelClient c = client();
  EXPECT_THROW(c.estimate_cost(""), InvalidArgumentError);
  EXPECT_THROW(c.estimate_cost(".."), InvalidArgumentError);
  EXPECT_THROW(c.get_workflow("wf-1", ""), InvalidArgumentError);
  EXPECT_THROW(c.get_workflow("", "prj-1"), InvalidArgumentError);
  EXPECT_THROW(c.get_project("a\nb"), InvalidArgumentError);
  ListWorkflowsQuery workflows;
  workflows.limit = 0;
  try {
    c.list_workflows(workflows);
    ADD_FAILURE() << "no error";
  } catch (const InvalidArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ListWorkflowsQuery::limit must be at least 1, not 0"));
  }
  workflows = {};
  workflows.offset = -1;
  EXPECT_THROW(c.list_workflows(workflows), InvalidArgumentError);
  EXPECT_THROW(c.list_all_workflows(workflows), InvalidArgumentError);
  workflows = {};
  workflows.name = "a\r\nb";
  EXPECT_THROW(c.list_workflows(workflows), InvalidArgumentError);
  ListProjectsQuery projects;
  projects.page_num = 0;
  EXPECT_THROW(c.list_projects(projects), InvalidArgumentError);
  projects = {};
  projects.page_size = -5;
  EXPECT_THROW(c.list_projects(projects), InvalidArgumentError);
  EXPECT_EQ(transport_->count(), 0u);
}

TEST_F(WorkflowsProjectsTest, PingSendsNoKeyAndReturnsTheAnswer) {
  transport_->then_answer(200, R"("pong")");
  transport_->then_answer(200, "pong\n");
  PixxelClient c = client();
  EXPECT_EQ(c.ping(), "pong");
  const HttpRequest request = transport_->last();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, std::string(kBase) + "/ping");
  for (const auto& [name, value] : request.headers) {
    EXPECT_NE(name, "Authorization");
    EXPECT_THAT(value, ::testing::Not(HasSubstr(kKey)));
  }
  EXPECT_EQ(c.ping(), "pong");  // a plain-text answer, as it came
}

TEST_F(WorkflowsProjectsTest, PingIsRetriedLikeAnyGetAndItsErrorsAreTyped) {
  transport_->then_answer(503, R"({"error": {"code": "unavailable", "message": "later"}})");
  transport_->then_answer(200, R"("pong")");
  EXPECT_EQ(client(/*max_retries=*/1).ping(), "pong");
  EXPECT_EQ(transport_->count(), 2u);

  transport_ = std::make_shared<FakeTransport>();
  transport_->then_answer(500, "down");
  EXPECT_THROW(client().ping(), ServerError);
}

// Each new call takes its CallOptions: its timeout reaches the transport, and a cancelled
// token stops it before anything is sent.
TEST_F(WorkflowsProjectsTest, EveryNewCallHonoursItsCallOptions) {
  const std::vector<std::function<void(PixxelClient&, const CallOptions&)>> calls = {
      [](PixxelClient& c, const CallOptions& o) { c.estimate_cost("wf-1", o); },
      [](PixxelClient& c, const CallOptions& o) { c.list_workflows({}, o); },
      [](PixxelClient& c, const CallOptions& o) { c.list_all_workflows({}, o); },
      [](PixxelClient& c, const CallOptions& o) { c.get_workflow("wf-1", "prj-1", o); },
      [](PixxelClient& c, const CallOptions& o) { c.list_projects({}, o); },
      [](PixxelClient& c, const CallOptions& o) { c.get_project("prj-1", o); },
      [](PixxelClient& c, const CallOptions& o) { c.ping(o); },
  };
  for (std::size_t i = 0; i < calls.size(); ++i) {
    SCOPED_TRACE("call " + std::to_string(i));
    transport_ = std::make_shared<FakeTransport>();
    // Every answer these calls decode: an id for those whose model has one, the rest ignored.
    transport_->then_answer(200, R"({"id": "x"})");
    PixxelClient c = client();
    CallOptions timed;
    timed.timeout = 4321ms;
    calls[i](c, timed);
    EXPECT_EQ(transport_->last().timeout, 4321ms);

    CancellationSource source;
    source.cancel();
    CallOptions cancelled;
    cancelled.cancel = source.token();
    const std::size_t sent = transport_->count();
    EXPECT_THROW(calls[i](c, cancelled), CancelledError);
    EXPECT_EQ(transport_->count(), sent);
  }
}

// --- list_all_workflows over a mocked list_workflows ---------------------------------------

WorkflowSummary workflow(const std::string& id) {
  WorkflowSummary w;
  w.id = id;
  return w;
}

WorkflowPage page(std::vector<std::string> ids, std::int64_t offset, std::int64_t limit,
                  std::int64_t total) {
  WorkflowPage p;
  for (const auto& id : ids) p.workflows.push_back(workflow(id));
  p.pagination = {limit, offset, total};
  return p;
}

auto at_offset(std::int64_t offset) { return Field(&ListWorkflowsQuery::offset, offset); }

std::vector<std::string> ids_of(const std::vector<WorkflowSummary>& workflows) {
  std::vector<std::string> ids;
  for (const auto& w : workflows) ids.push_back(w.id);
  return ids;
}

TEST(ListAllWorkflowsTest, FollowsOffsetAndLimitUntilTheTotal) {
  auto mock = std::make_shared<mocks::MockConnection>();
  InSequence order;
  const auto query_at = [](std::int64_t offset) {
    return AllOf(at_offset(offset), Field(&ListWorkflowsQuery::limit, 2),
                 Field(&ListWorkflowsQuery::project_id, "prj-1"));
  };
  const auto with_timeout =
      Field(&CallOptions::timeout, std::optional<std::chrono::milliseconds>(777ms));
  EXPECT_CALL(*mock, list_workflows(query_at(0), with_timeout))
      .WillOnce(Return(page({"a", "b"}, 0, 2, 5)));
  EXPECT_CALL(*mock, list_workflows(query_at(2), with_timeout))
      .WillOnce(Return(page({"c", "d"}, 2, 2, 5)));
  EXPECT_CALL(*mock, list_workflows(query_at(4), with_timeout))
      .WillOnce(Return(page({"e"}, 4, 2, 5)));
  ListWorkflowsQuery query;
  query.project_id = "prj-1";
  query.limit = 2;
  CallOptions call;
  call.timeout = 777ms;
  EXPECT_EQ(ids_of(PixxelClient(mock).list_all_workflows(query, call)),
            (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(ListAllWorkflowsTest, AdvancesByWhatTheServerSentWhenItCapsTheLimit) {
  auto mock = std::make_shared<mocks::MockConnection>();
  InSequence order;
  EXPECT_CALL(*mock, list_workflows(at_offset(0), _)).WillOnce(Return(page({"a", "b"}, 0, 2, 3)));
  EXPECT_CALL(*mock, list_workflows(at_offset(2), _)).WillOnce(Return(page({"c"}, 2, 2, 3)));
  ListWorkflowsQuery query;
  query.limit = 100;  // the server answers 2 at most
  EXPECT_EQ(PixxelClient(mock).list_all_workflows(query).size(), 3u);
}

TEST(ListAllWorkflowsTest, StartsAtTheQueryOffset) {
  auto mock = std::make_shared<mocks::MockConnection>();
  EXPECT_CALL(*mock, list_workflows(at_offset(3), _)).WillOnce(Return(page({"d", "e"}, 3, 50, 5)));
  ListWorkflowsQuery query;
  query.offset = 3;
  EXPECT_EQ(ids_of(PixxelClient(mock).list_all_workflows(query)),
            (std::vector<std::string>{"d", "e"}));
}

TEST(ListAllWorkflowsTest, AnEmptyListEndsAtOnce) {
  auto mock = std::make_shared<mocks::MockConnection>();
  EXPECT_CALL(*mock, list_workflows(at_offset(0), _)).WillOnce(Return(page({}, 0, 50, 0)));
  EXPECT_TRUE(PixxelClient(mock).list_all_workflows().empty());
}

TEST(ListAllWorkflowsTest, WithoutATotalAShortPageIsTheLast) {
  auto mock = std::make_shared<mocks::MockConnection>();
  InSequence order;
  EXPECT_CALL(*mock, list_workflows(at_offset(0), _)).WillOnce(Return(page({"a", "b"}, 0, 0, 0)));
  EXPECT_CALL(*mock, list_workflows(at_offset(2), _)).WillOnce(Return(page({"c"}, 0, 0, 0)));
  ListWorkflowsQuery query;
  query.limit = 2;
  EXPECT_EQ(PixxelClient(mock).list_all_workflows(query).size(), 3u);
}

TEST(ListAllWorkflowsTest, TheSamePageAgainIsAnErrorNotAnEndlessLoop) {
  auto mock = std::make_shared<mocks::MockConnection>();
  // A server that ignores offset: page one, forever.
  EXPECT_CALL(*mock, list_workflows(_, _))
      .Times(2)
      .WillRepeatedly(Return(page({"a", "b"}, 0, 2, 10)));
  ListWorkflowsQuery query;
  query.limit = 2;
  try {
    PixxelClient(mock).list_all_workflows(query);
    ADD_FAILURE() << "no error";
  } catch (const DecodeError& e) {
    EXPECT_EQ(e.path(), "workflows");
    EXPECT_THAT(e.what(), HasSubstr("offset 2 repeats workflows already listed"));
    EXPECT_THAT(e.what(), HasSubstr("2 workflows listed, total 10"));
  }
}

TEST(ListAllWorkflowsTest, AnEmptyPageBeforeTheTotalIsAnError) {
  auto mock = std::make_shared<mocks::MockConnection>();
  InSequence order;
  EXPECT_CALL(*mock, list_workflows(at_offset(0), _)).WillOnce(Return(page({"a", "b"}, 0, 2, 6)));
  EXPECT_CALL(*mock, list_workflows(at_offset(2), _)).WillOnce(Return(page({}, 2, 2, 6)));
  ListWorkflowsQuery query;
  query.limit = 2;
  try {
    PixxelClient(mock).list_all_workflows(query);
    ADD_FAILURE() << "no error";
  } catch (const DecodeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("offset 2 is empty before the total was reached"));
  }
}

TEST(ListAllWorkflowsTest, AWorkflowListedTwiceIsKeptOnce) {
  auto mock = std::make_shared<mocks::MockConnection>();
  InSequence order;
  // A workflow was created between the pages, shifting "b" onto the second page too.
  EXPECT_CALL(*mock, list_workflows(at_offset(0), _)).WillOnce(Return(page({"a", "b"}, 0, 2, 4)));
  EXPECT_CALL(*mock, list_workflows(at_offset(2), _)).WillOnce(Return(page({"b", "c"}, 2, 2, 4)));
  ListWorkflowsQuery query;
  query.limit = 2;
  EXPECT_EQ(ids_of(PixxelClient(mock).list_all_workflows(query)),
            (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ListAllWorkflowsTest, AFailingPageEndsTheWalkWithItsError) {
  auto mock = std::make_shared<mocks::MockConnection>();
  InSequence order;
  EXPECT_CALL(*mock, list_workflows(at_offset(0), _)).WillOnce(Return(page({"a"}, 0, 1, 3)));
  EXPECT_CALL(*mock, list_workflows(at_offset(1), _))
      .WillOnce(::testing::Throw(
          PermissionDeniedError(403, "forbidden", "no", nullptr, "", "req-9", std::nullopt)));
  ListWorkflowsQuery query;
  query.limit = 1;
  EXPECT_THROW(PixxelClient(mock).list_all_workflows(query), PermissionDeniedError);
}

TEST(WorkflowsConnectionTest, ClientForwardsEachNewCallToTheConnection) {
  auto mock = std::make_shared<mocks::MockConnection>();
  CallOptions call;
  call.timeout = 99ms;
  const auto with_timeout =
      Field(&CallOptions::timeout, std::optional<std::chrono::milliseconds>(99ms));
  EXPECT_CALL(*mock, estimate_cost("wf-1", with_timeout)).WillOnce(Return(CostEstimate{42}));
  Workflow wf;
  wf.id = "wf-1";
  EXPECT_CALL(*mock, get_workflow("wf-1", "prj-1", with_timeout)).WillOnce(Return(wf));
  ProjectPage projects;
  projects.total = 2;
  EXPECT_CALL(*mock, list_projects(Field(&ListProjectsQuery::page_size, 10), with_timeout))
      .WillOnce(Return(projects));
  Project project;
  project.id = "prj-1";
  EXPECT_CALL(*mock, get_project("prj-1", with_timeout)).WillOnce(Return(project));
  EXPECT_CALL(*mock, ping(with_timeout)).WillOnce(Return("pong"));
  EXPECT_CALL(*mock, list_workflows(Field(&ListWorkflowsQuery::name, "x"), with_timeout))
      .WillOnce(Return(page({"wf-1"}, 0, 50, 1)));

  PixxelClient client(mock);
  EXPECT_EQ(client.estimate_cost("wf-1", call).estimated_cost, 42);
  EXPECT_EQ(client.get_workflow("wf-1", "prj-1", call).id, "wf-1");
  ListProjectsQuery project_query;
  project_query.page_size = 10;
  EXPECT_EQ(client.list_projects(project_query, call).total, 2);
  EXPECT_EQ(client.get_project("prj-1", call).id, "prj-1");
  EXPECT_EQ(client.ping(call), "pong");
  ListWorkflowsQuery workflow_query;
  workflow_query.name = "x";
  EXPECT_EQ(client.list_workflows(workflow_query, call).workflows.size(), 1u);
}

// --- End to end, against the mock server ----------------------------------------------------

class CatalogEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mock::MockOptions options;
    options.api_key = kKey;
    server_ = std::make_unique<mock::MockServer>(options);
    server_->start();
  }
  static void TearDownTestSuite() { server_.reset(); }

  static PixxelClient client() {
    ClientOptions o;
    o.api_key = kKey;
    o.base_url = server_->base_url();
    return PixxelClient(o);
  }

  static std::unique_ptr<mock::MockServer> server_;
};

std::unique_ptr<mock::MockServer> CatalogEndToEndTest::server_;

TEST_F(CatalogEndToEndTest, ListsEveryWorkflowAcrossPages) {
  ListWorkflowsQuery query;
  query.limit = 2;
  const std::size_t before = server_->request_count();
  const auto all = client().list_all_workflows(query);
  EXPECT_EQ(ids_of(all), (std::vector<std::string>{"wf-ndvi", "wf-crop-health", "wf-invalid",
                                                   "wf-shoreline", "wf-flood-map", "wf-fail"}));
  EXPECT_EQ(server_->request_count() - before, 3u);  // three pages, no fourth

  query.project_id = "prj-coast";
  const WorkflowPage page = client().list_workflows(query);
  EXPECT_EQ(page.pagination, (Pagination{2, 0, 3}));
  EXPECT_EQ(ids_of(page.workflows), (std::vector<std::string>{"wf-shoreline", "wf-flood-map"}));
}

TEST_F(CatalogEndToEndTest, TheEstimateIsWhatTheJobCosts) {
  PixxelClient c = client();
  for (const char* id : {"wf-ndvi", "wf-crop-health", "wf-flood-map"}) {
    SCOPED_TRACE(id);
    const Workflow workflow =
        c.get_workflow(id, id == std::string("wf-flood-map") ? "prj-coast" : "prj-agri");
    const std::int64_t estimate = c.estimate_cost(id).estimated_cost;
    EXPECT_GT(estimate, 0);
    EXPECT_EQ(workflow.estimated_cost, estimate);
    EXPECT_EQ(c.create_job(id, workflow.project_id).cost, estimate);
  }
  EXPECT_THROW(c.estimate_cost("wf-unknown"), NotFoundError);
}

TEST_F(CatalogEndToEndTest, AnInvalidWorkflowShowsItsErrorsAndItsJobFails) {
  PixxelClient c = client();
  const Workflow workflow = c.get_workflow("wf-invalid", "prj-agri");
  ASSERT_EQ(workflow.val_errors.size(), 2u);
  EXPECT_FALSE(workflow.val_errors[0].err.empty());
  const Job job = c.create_job("wf-invalid", "prj-agri");
  EXPECT_EQ(job.val_errors, workflow.val_errors);
  EXPECT_TRUE(is_terminal_status(job.status));
  EXPECT_THROW(c.get_workflow("wf-invalid", "prj-coast"), NotFoundError);
}

TEST_F(CatalogEndToEndTest, ProjectsThroughEveryCall) {
  PixxelClient c = client();
  const ProjectPage all = c.list_projects();
  EXPECT_EQ(all.total, 2);
  ASSERT_EQ(all.projects.size(), 2u);
  ListProjectsQuery second;
  second.page_num = 2;
  second.page_size = 1;
  const ProjectPage page = c.list_projects(second);
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.projects.size(), 1u);
  EXPECT_EQ(page.projects[0], all.projects[1]);
  const Project project = c.get_project(all.projects[0].id);  // answered wrapped
  EXPECT_EQ(project, all.projects[0]);
  EXPECT_FALSE(project.title.empty());
  EXPECT_TRUE(project.metadata.is_object());
  EXPECT_THROW(c.get_project("prj-nope"), NotFoundError);
}

TEST_F(CatalogEndToEndTest, PingAnswersPongWithoutTheKey) {
  std::optional<std::string> authorization = "unset";
  ClientOptions o;
  o.api_key = kKey;
  o.base_url = server_->base_url();
  o.on_request = [&](const RequestEvent& event) {
    authorization.reset();
    for (const auto& [name, value] : event.request_headers) {
      if (name == "Authorization") authorization = value;
    }
  };
  EXPECT_EQ(PixxelClient(o).ping(), "pong");
  EXPECT_EQ(authorization, std::nullopt);
}

TEST_F(CatalogEndToEndTest, AWrongKeyIsRefusedOnEveryCatalogCall) {
  ClientOptions o;
  o.api_key = "wrong-key";
  o.base_url = server_->base_url();
  PixxelClient c(o);
  EXPECT_THROW(c.list_projects(), PermissionDeniedError);
  EXPECT_THROW(c.get_project("prj-agri"), PermissionDeniedError);
  EXPECT_THROW(c.list_workflows(), PermissionDeniedError);
  EXPECT_THROW(c.get_workflow("wf-ndvi", "prj-agri"), PermissionDeniedError);
  EXPECT_THROW(c.estimate_cost("wf-ndvi"), PermissionDeniedError);
  EXPECT_EQ(c.ping(), "pong");
}

}  // namespace
}  // namespace pixxel
