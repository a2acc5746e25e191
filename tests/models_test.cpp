#include "pixxel/models.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "decode/decode.hpp"
#include "pixxel/errors.hpp"

namespace {

using nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

// The example response of "Create a job from a given workflow", byte for byte as Pixxel's
// API reference prints it.
constexpr const char* kDocumentedExample =
    R"({"created_by": "string","status": "string","time_taken": "string","id": "string","tasks": [{"id": "string","info_logs": [0],"created_at": "string","updated_at": "string","finished_at": "string","estimated_time_duration": 0,"time_taken": "string","status": "string","state_msg": "string","inputs": [0],"result": [0],"depends_on": ["string"],"name": "string","progress": 0,"disclaimer": ["string"],"recv_time": "string","send_time": "string","block_inf_start_time": "string","block_inf_end_time": "string","block_info": {"id": "string","name": "string","version": "string"},"err_msg": "string","failure_type": "string"}],"val_errors": [{"from": "string","to": "string","err": "string","reason": "string","component_name": "string"}],"spec": [0],"cost": 0,"workflow_id": "string","updated_at": "string","finished_at": "string","exec_created_at": "string","exec_updated_at": "string","created_at": "string","estimated_duration": 0,"progress": "string"})";

// A job whose every field holds a value of its own, so a field read into or written from
// the wrong member shows.
constexpr const char* kDistinctJob = R"({
  "created_by": "user-1", "status": "running", "time_taken": "1m2s", "id": "job-1",
  "tasks": [{
    "id": "task-1", "info_logs": "aGVsbG8=", "created_at": "2024-01-01T00:00:01Z",
    "updated_at": "2024-01-01T00:00:02Z", "finished_at": "2024-01-01T00:00:03Z",
    "estimated_time_duration": 120, "time_taken": "5s", "status": "completed",
    "state_msg": "done", "inputs": {"aoi": [1, 2]}, "result": [104, 105],
    "depends_on": ["task-0", "task-00"], "name": "ingest", "progress": 45.5,
    "disclaimer": ["beta"], "recv_time": "r-time", "send_time": "s-time",
    "block_inf_start_time": "bis-time", "block_inf_end_time": "bie-time",
    "block_info": {"id": "block-1", "name": "Ingest", "version": "1.2.3"},
    "err_msg": "no error", "failure_type": "transient"
  }],
  "val_errors": [{"from": "comp-a", "to": "comp-b", "err": "mismatch", "reason": "types differ",
                  "component_name": "comp-c"}],
  "spec": [1, 2, 3], "cost": 17, "workflow_id": "wf-1",
  "updated_at": "2024-01-02T00:00:00Z", "finished_at": "2024-01-03T00:00:00Z",
  "exec_created_at": "2024-01-04T00:00:00Z", "exec_updated_at": "2024-01-05T00:00:00Z",
  "created_at": "2024-01-06T00:00:00Z", "estimated_duration": 3600, "progress": "45%"
})";

pixxel::Task distinct_task() {
  pixxel::Task t;
  t.id = "task-1";
  t.info_logs = "aGVsbG8=";
  t.created_at = "2024-01-01T00:00:01Z";
  t.updated_at = "2024-01-01T00:00:02Z";
  t.finished_at = "2024-01-01T00:00:03Z";
  t.estimated_time_duration = 120;
  t.time_taken = "5s";
  t.status = "completed";
  t.state_msg = "done";
  t.inputs = json{{"aoi", {1, 2}}};
  t.result = json::array({104, 105});
  t.depends_on = {"task-0", "task-00"};
  t.name = "ingest";
  t.progress = 45.5;
  t.disclaimer = {"beta"};
  t.recv_time = "r-time";
  t.send_time = "s-time";
  t.block_inf_start_time = "bis-time";
  t.block_inf_end_time = "bie-time";
  t.block_info = {"block-1", "Ingest", "1.2.3"};
  t.err_msg = "no error";
  t.failure_type = "transient";
  return t;
}

pixxel::Job distinct_job() {
  pixxel::Job j;
  j.created_by = "user-1";
  j.status = "running";
  j.time_taken = "1m2s";
  j.id = "job-1";
  j.tasks = {distinct_task()};
  j.val_errors = {{"comp-a", "comp-b", "mismatch", "types differ", "comp-c"}};
  j.spec = json::array({1, 2, 3});
  j.cost = 17;
  j.workflow_id = "wf-1";
  j.updated_at = "2024-01-02T00:00:00Z";
  j.finished_at = "2024-01-03T00:00:00Z";
  j.exec_created_at = "2024-01-04T00:00:00Z";
  j.exec_updated_at = "2024-01-05T00:00:00Z";
  j.created_at = "2024-01-06T00:00:00Z";
  j.estimated_duration = 3600;
  j.progress = "45%";
  return j;
}

pixxel::DownloadLink distinct_link() {
  return {"dl-1", "ready", "https://storage.example/x.zip?sig=1", "wf-1", "job-1"};
}

// Decodes `j` as a T, expecting a DecodeError, and returns it.
template <class T>
pixxel::DecodeError decode_error(const json& j) {
  try {
    static_cast<void>(j.get<T>());
    ADD_FAILURE() << "decoded without a DecodeError: " << j.dump();
  } catch (const pixxel::DecodeError& e) {
    return e;
  }
  return pixxel::DecodeError("<none>", "<none>");
}

template <class F>
pixxel::DecodeError body_error(F&& decode) {
  try {
    decode();
    ADD_FAILURE() << "decoded without a DecodeError";
  } catch (const pixxel::DecodeError& e) {
    return e;
  }
  return pixxel::DecodeError("<none>", "<none>");
}

json with_task(json task) { return json{{"tasks", json::array({std::move(task)})}}; }

// The first task of a job whose only task is `task`.
pixxel::Task decode_task_of_job(json task) {
  return with_task(std::move(task)).get<pixxel::Job>().tasks.at(0);
}

const std::vector<std::string> kJobStringKeys = {
    "created_by",  "status",          "time_taken",      "id",         "workflow_id", "updated_at",
    "finished_at", "exec_created_at", "exec_updated_at", "created_at", "progress"};
const std::vector<std::string> kTaskStringKeys = {"id",
                                                  "created_at",
                                                  "updated_at",
                                                  "finished_at",
                                                  "time_taken",
                                                  "status",
                                                  "state_msg",
                                                  "name",
                                                  "recv_time",
                                                  "send_time",
                                                  "block_inf_start_time",
                                                  "block_inf_end_time",
                                                  "err_msg",
                                                  "failure_type"};
const std::vector<std::string> kValErrorKeys = {"from", "to", "err", "reason", "component_name"};
const std::vector<std::string> kBlockInfoKeys = {"id", "name", "version"};
const std::vector<std::string> kDownloadLinkKeys = {"id", "status", "signed_url", "workflow_id",
                                                    "job_id"};

// --- The documented example and field mapping ----------------------------------------------

TEST(ModelsTest, DecodesTheDocumentedExampleResponse) {
  const auto job = json::parse(kDocumentedExample).get<pixxel::Job>();
  EXPECT_EQ(job.created_by, "string");
  EXPECT_EQ(job.status, "string");
  EXPECT_EQ(job.time_taken, "string");
  EXPECT_EQ(job.id, "string");
  EXPECT_EQ(job.spec, json::array({0}));
  EXPECT_EQ(job.cost, 0);
  EXPECT_EQ(job.workflow_id, "string");
  EXPECT_EQ(job.updated_at, "string");
  EXPECT_EQ(job.finished_at, "string");
  EXPECT_EQ(job.exec_created_at, "string");
  EXPECT_EQ(job.exec_updated_at, "string");
  EXPECT_EQ(job.created_at, "string");
  EXPECT_EQ(job.estimated_duration, 0);
  EXPECT_EQ(job.progress, "string");

  ASSERT_EQ(job.val_errors.size(), 1u);
  EXPECT_EQ(job.val_errors[0],
            (pixxel::ValError{"string", "string", "string", "string", "string"}));

  ASSERT_EQ(job.tasks.size(), 1u);
  const pixxel::Task& t = job.tasks[0];
  EXPECT_EQ(t.id, "string");
  EXPECT_EQ(t.info_logs, json::array({0}));
  EXPECT_EQ(t.created_at, "string");
  EXPECT_EQ(t.updated_at, "string");
  EXPECT_EQ(t.finished_at, "string");
  EXPECT_EQ(t.estimated_time_duration, 0);
  EXPECT_EQ(t.time_taken, "string");
  EXPECT_EQ(t.status, "string");
  EXPECT_EQ(t.state_msg, "string");
  EXPECT_EQ(t.inputs, json::array({0}));
  EXPECT_EQ(t.result, json::array({0}));
  EXPECT_EQ(t.depends_on, std::vector<std::string>{"string"});
  EXPECT_EQ(t.name, "string");
  EXPECT_EQ(t.progress, 0.0);
  EXPECT_EQ(t.disclaimer, std::vector<std::string>{"string"});
  EXPECT_EQ(t.recv_time, "string");
  EXPECT_EQ(t.send_time, "string");
  EXPECT_EQ(t.block_inf_start_time, "string");
  EXPECT_EQ(t.block_inf_end_time, "string");
  EXPECT_EQ(t.block_info, (pixxel::BlockInfo{"string", "string", "string"}));
  EXPECT_EQ(t.err_msg, "string");
  EXPECT_EQ(t.failure_type, "string");
}

TEST(ModelsTest, ToJsonOfTheDocumentedExampleReproducesEveryDocumentedField) {
  const json example = json::parse(kDocumentedExample);
  const json written = example.get<pixxel::Job>();
  // Key by key first, so a difference names the field.
  for (const auto& [key, value] : example.items()) {
    ASSERT_TRUE(written.contains(key)) << key;
    EXPECT_EQ(written[key], value) << key;
  }
  EXPECT_EQ(written, example);
}

TEST(ModelsTest, DecodesEveryFieldIntoItsOwnMember) {
  EXPECT_EQ(json::parse(kDistinctJob).get<pixxel::Job>(), distinct_job());
}

TEST(ModelsTest, ToJsonWritesEveryFieldUnderItsOwnKey) {
  const json written = distinct_job();
  EXPECT_EQ(written, json::parse(kDistinctJob));
}

TEST(ModelsTest, ToJsonWritesNumbersAsNumbersAndRawFieldsAsTheirValue) {
  pixxel::Job job = distinct_job();
  job.spec = nullptr;
  const json written = job;
  EXPECT_TRUE(written["cost"].is_number_integer());
  EXPECT_TRUE(written["estimated_duration"].is_number_integer());
  EXPECT_TRUE(written["tasks"][0]["estimated_time_duration"].is_number_integer());
  EXPECT_TRUE(written["tasks"][0]["progress"].is_number());
  EXPECT_TRUE(written["spec"].is_null());
  EXPECT_TRUE(written["tasks"][0]["inputs"].is_object());
  EXPECT_TRUE(written["tasks"][0]["info_logs"].is_string());
}

TEST(ModelsTest, DownloadLinkToJsonWritesEveryFieldWithSnakeCaseWorkflowId) {
  const json written = distinct_link();
  EXPECT_EQ(written, (json{{"id", "dl-1"},
                           {"status", "ready"},
                           {"signed_url", "https://storage.example/x.zip?sig=1"},
                           {"workflow_id", "wf-1"},
                           {"job_id", "job-1"}}));
}

TEST(ModelsTest, BlockInfoAndValErrorToJsonWriteEveryField) {
  EXPECT_EQ(json(pixxel::BlockInfo{"i", "n", "v"}),
            (json{{"id", "i"}, {"name", "n"}, {"version", "v"}}));
  EXPECT_EQ(
      json(pixxel::ValError{"f", "t", "e", "r", "c"}),
      (json{{"from", "f"}, {"to", "t"}, {"err", "e"}, {"reason", "r"}, {"component_name", "c"}}));
}

// --- Round trips ------------------------------------------------------------------------------

TEST(ModelsTest, JobRoundTripsThroughJson) {
  pixxel::Job job = distinct_job();
  job.cost = std::numeric_limits<std::int64_t>::min();
  job.estimated_duration = std::numeric_limits<std::int64_t>::max();
  job.tasks.push_back(distinct_task());
  job.tasks[1].progress = 100.0 / 3.0;
  job.tasks[1].result = json{{"nested", {{"deep", true}}}};
  job.tasks[1].inputs = 42;
  job.tasks[1].info_logs = nullptr;
  const json j = job;
  EXPECT_EQ(j.get<pixxel::Job>(), job);
}

TEST(ModelsTest, JobRoundTripsThroughJsonText) {
  pixxel::Job job = distinct_job();
  job.tasks[0].progress = 0.1 + 0.2;
  EXPECT_EQ(json::parse(json(job).dump()).get<pixxel::Job>(), job);
}

TEST(ModelsTest, DefaultModelsRoundTripThroughJson) {
  EXPECT_EQ(json(pixxel::Job{}).get<pixxel::Job>(), pixxel::Job{});
  EXPECT_EQ(json(pixxel::Task{}).get<pixxel::Task>(), pixxel::Task{});
  EXPECT_EQ(json(pixxel::ValError{}).get<pixxel::ValError>(), pixxel::ValError{});
  EXPECT_EQ(json(pixxel::BlockInfo{}).get<pixxel::BlockInfo>(), pixxel::BlockInfo{});
  EXPECT_EQ(json(pixxel::DownloadLink{}).get<pixxel::DownloadLink>(), pixxel::DownloadLink{});
}

TEST(ModelsTest, EveryModelRoundTripsThroughJson) {
  const pixxel::Task task = distinct_task();
  EXPECT_EQ(json(task).get<pixxel::Task>(), task);
  const pixxel::ValError val_error{"a", "b", "c", "d", "e"};
  EXPECT_EQ(json(val_error).get<pixxel::ValError>(), val_error);
  const pixxel::BlockInfo block{"a", "b", "c"};
  EXPECT_EQ(json(block).get<pixxel::BlockInfo>(), block);
  const pixxel::DownloadLink link = distinct_link();
  EXPECT_EQ(json(link).get<pixxel::DownloadLink>(), link);
}

// Every field distinct, so that a field written under another's key, or not at all, shows.
pixxel::Workflow distinct_workflow() {
  pixxel::Workflow w;
  w.id = "wf-1";
  w.estimated_cost = 45;
  w.name = "Crop health";
  w.created_by = "u-1";
  w.description = "NDVI per field";
  w.spec = json{{"blocks", json::array({"ingest", "ndvi"})}};
  w.created_at = "2024-05-01T10:00:00Z";
  w.updated_at = "2024-05-02T10:00:00Z";
  w.val_errors = {{"a", "b", "c", "d", "e"}};
  w.project_id = "prj-1";
  return w;
}

pixxel::Project distinct_project() {
  pixxel::Project p;
  p.id = "prj-1";
  p.name = "agri";
  p.title = "Agriculture";
  p.org_id = "org-1";
  p.description = "fields";
  p.members_count = 4;
  p.created_at = "2024-05-01T10:00:00Z";
  p.updated_at = "2024-05-02T10:00:00Z";
  p.metadata = json{{"region", "IN"}};
  return p;
}

TEST(ModelsTest, WorkflowAndProjectModelsRoundTripThroughJson) {
  const pixxel::Workflow workflow = distinct_workflow();
  EXPECT_EQ(json(workflow).get<pixxel::Workflow>(), workflow);
  EXPECT_EQ(json::parse(json(workflow).dump()).get<pixxel::Workflow>(), workflow);
  const pixxel::WorkflowSummary summary{"wf-1", "prj-1", "old", "n", "u", "d", "c", "u2"};
  EXPECT_EQ(json(summary).get<pixxel::WorkflowSummary>(), summary);
  const pixxel::WorkflowPage page{{summary, summary}, {2, 4, 9}};
  EXPECT_EQ(json(page).get<pixxel::WorkflowPage>(), page);
  EXPECT_EQ(json(pixxel::CostEstimate{120}).get<pixxel::CostEstimate>(), pixxel::CostEstimate{120});
  const pixxel::Project project = distinct_project();
  EXPECT_EQ(json(project).get<pixxel::Project>(), project);
  const pixxel::ProjectPage projects{{project}, 7};
  EXPECT_EQ(json(projects).get<pixxel::ProjectPage>(), projects);

  EXPECT_EQ(json(pixxel::Workflow{}).get<pixxel::Workflow>(), pixxel::Workflow{});
  EXPECT_EQ(json(pixxel::Project{}).get<pixxel::Project>(), pixxel::Project{});
  EXPECT_EQ(json(pixxel::ProjectPage{}).get<pixxel::ProjectPage>(), pixxel::ProjectPage{});
  EXPECT_EQ(json::object().get<pixxel::WorkflowPage>(), pixxel::WorkflowPage{});
}

TEST(ModelsTest, WorkflowAndProjectToJsonWriteEveryFieldUnderItsOwnKey) {
  const json workflow = distinct_workflow();
  EXPECT_EQ(workflow.size(), 10u);
  EXPECT_EQ(workflow["estimated_cost"], 45);
  EXPECT_EQ(workflow["val_errors"][0]["component_name"], "e");
  const json project = distinct_project();
  EXPECT_EQ(project.size(), 9u);
  EXPECT_EQ(project["title"], "Agriculture");
  EXPECT_EQ(project["members_count"], 4);
  EXPECT_EQ(json(pixxel::ProjectPage{{}, 7}), (json{{"projects", json::array()}, {"count", 7}}));
  EXPECT_EQ(json(pixxel::Pagination{1, 2, 3}), (json{{"limit", 1}, {"offset", 2}, {"total", 3}}));
}

TEST(ModelsTest, ProjectFromJsonTakesTheWrappedObjectToo) {
  const pixxel::Project project = distinct_project();
  EXPECT_EQ((json{{"project", json(project)}}).get<pixxel::Project>(), project);
  // The wrapper wins over stray top-level keys.
  EXPECT_EQ((json{{"project", json(project)}, {"id", "other"}}).get<pixxel::Project>(), project);
  EXPECT_EQ((json{{"project", nullptr}, {"id", "prj-9"}}).get<pixxel::Project>().id, "prj-9");
}

TEST(ModelsTest, ProjectPageTotalComesFromCountOrPaginationTotal) {
  EXPECT_EQ((json{{"count", 5}}).get<pixxel::ProjectPage>().total, 5);
  EXPECT_EQ((json{{"pagination", {{"total", 6}}}}).get<pixxel::ProjectPage>().total, 6);
  EXPECT_EQ((json{{"count", "7"}, {"pagination", {{"total", 6}}}}).get<pixxel::ProjectPage>().total,
            7);
  try {
    (json{{"pagination", {{"total", json::array()}}}}).get<pixxel::ProjectPage>();
    ADD_FAILURE() << "no error";
  } catch (const pixxel::DecodeError& e) {
    EXPECT_EQ(e.path(), "pagination.total");
  }
}

TEST(ModelsTest, AdaptersWorkWithGetGetToAndImplicitConversion) {
  const pixxel::Job job = distinct_job();
  nlohmann::json j = job;
  EXPECT_EQ(j.get<pixxel::Job>(), job);
  pixxel::Job into;
  j.get_to(into);
  EXPECT_EQ(into, job);
  const auto tasks = j["tasks"].get<std::vector<pixxel::Task>>();
  EXPECT_EQ(tasks, job.tasks);
  nlohmann::json list = std::vector<pixxel::Job>{job, job};
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1], j);
}

// --- Missing, null and unknown keys -----------------------------------------------------------

TEST(ModelsTest, MissingKeysGiveDefaults) {
  EXPECT_EQ(json::object().get<pixxel::Job>(), pixxel::Job{});
  EXPECT_EQ(json::object().get<pixxel::Task>(), pixxel::Task{});
  EXPECT_EQ(json::object().get<pixxel::ValError>(), pixxel::ValError{});
  EXPECT_EQ(json::object().get<pixxel::BlockInfo>(), pixxel::BlockInfo{});
  EXPECT_EQ(json::object().get<pixxel::DownloadLink>(), pixxel::DownloadLink{});
}

TEST(ModelsTest, NullInEveryFieldGivesDefaults) {
  // Every key of the documented example, set to null, at every level.
  json job = json::parse(kDistinctJob);
  json task = job["tasks"][0];
  json val_error = job["val_errors"][0];
  json block = task["block_info"];
  for (auto* object : {&job, &task, &val_error, &block}) {
    for (auto& [key, value] : object->items()) value = nullptr;
  }
  EXPECT_EQ(job.get<pixxel::Job>(), pixxel::Job{});
  EXPECT_EQ(task.get<pixxel::Task>(), pixxel::Task{});
  EXPECT_EQ(val_error.get<pixxel::ValError>(), pixxel::ValError{});
  EXPECT_EQ(block.get<pixxel::BlockInfo>(), pixxel::BlockInfo{});
  json link = distinct_link();
  link["workflowId"] = "wf-camel";
  for (auto& [key, value] : link.items()) value = nullptr;
  EXPECT_EQ(link.get<pixxel::DownloadLink>(), pixxel::DownloadLink{});
}

TEST(ModelsTest, NullStringFieldGivesDefault) {
  EXPECT_EQ(json({{"status", nullptr}}).get<pixxel::Job>().status, "");
}

TEST(ModelsTest, UnknownKeysAreIgnored) {
  json j = json::parse(kDistinctJob);
  j["surprise"] = {{"a", 1}};
  j["tasks"][0]["extra"] = json::array({true});
  j["tasks"][0]["block_info"]["vendor"] = 7;
  j["val_errors"][0]["severity"] = "high";
  EXPECT_EQ(j.get<pixxel::Job>(), distinct_job());
}

TEST(ModelsTest, FromJsonResetsFieldsMissingFromTheInput) {
  pixxel::Job job = distinct_job();
  json::object().get_to(job);
  EXPECT_EQ(job, pixxel::Job{});
}

TEST(ModelsTest, FailedDecodeLeavesTheTargetUntouched) {
  pixxel::Job job = distinct_job();
  EXPECT_THROW(json({{"id", "new"}, {"cost", "abc"}}).get_to(job), pixxel::DecodeError);
  EXPECT_EQ(job, distinct_job());
}

// --- String fields ----------------------------------------------------------------------------

TEST(ModelsTest, StringFieldKeepsAnIntegerAsItsJsonText) {
  EXPECT_EQ(json({{"id", 42}}).get<pixxel::Job>().id, "42");
  EXPECT_EQ(json({{"id", -7}}).get<pixxel::Job>().id, "-7");
  EXPECT_EQ(json::parse(R"({"id": 18446744073709551615})").get<pixxel::Job>().id,
            "18446744073709551615");
}

TEST(ModelsTest, StringFieldKeepsAFloatAsItsJsonText) {
  EXPECT_EQ(json({{"progress", 1.5}}).get<pixxel::Job>().progress, "1.5");
  EXPECT_EQ(json::parse(R"({"progress": 45.25})").get<pixxel::Job>().progress, "45.25");
}

TEST(ModelsTest, StringFieldRejectsABooleanAnObjectAndAnArray) {
  auto e = decode_error<pixxel::Job>({{"status", true}});
  EXPECT_EQ(e.path(), "status");
  EXPECT_EQ(e.reason(), "expected a string or a number, got the boolean true");
  e = decode_error<pixxel::Job>({{"status", json::object()}});
  EXPECT_EQ(e.path(), "status");
  EXPECT_EQ(e.reason(), "expected a string or a number, got an object");
  e = decode_error<pixxel::Job>({{"status", json::array()}});
  EXPECT_EQ(e.path(), "status");
  EXPECT_EQ(e.reason(), "expected a string or a number, got an array");
}

TEST(ModelsTest, StringFieldRejectsANonFiniteNumber) {
  const auto e = decode_error<pixxel::Job>({{"status", std::numeric_limits<double>::quiet_NaN()}});
  EXPECT_EQ(e.path(), "status");
  EXPECT_EQ(e.reason(), "expected a string or a number, got a non-finite number");
}

TEST(ModelsTest, EveryStringFieldReadsItsKeyAndNamesItInErrors) {
  for (const auto& key : kJobStringKeys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(json(json({{key, 5}}).get<pixxel::Job>())[key], "5");
    EXPECT_EQ(decode_error<pixxel::Job>({{key, json::object()}}).path(), key);
  }
  for (const auto& key : kTaskStringKeys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(json(decode_task_of_job({{key, 5}}))[key], "5");
    EXPECT_EQ(decode_error<pixxel::Job>(with_task({{key, false}})).path(), "tasks[0]." + key);
  }
  for (const auto& key : kValErrorKeys) {
    SCOPED_TRACE(key);
    const json job = {{"val_errors", {json::object(), {{key, 5}}}}};
    EXPECT_EQ(json(job.get<pixxel::Job>().val_errors.at(1))[key], "5");
    const json bad = {{"val_errors", {json::object(), {{key, json::array()}}}}};
    EXPECT_EQ(decode_error<pixxel::Job>(bad).path(), "val_errors[1]." + key);
  }
  for (const auto& key : kBlockInfoKeys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(json(decode_task_of_job({{"block_info", {{key, 5}}}}).block_info)[key], "5");
    const json bad = with_task({{"block_info", {{key, json::object()}}}});
    EXPECT_EQ(decode_error<pixxel::Job>(bad).path(), "tasks[0].block_info." + key);
  }
  for (const auto& key : kDownloadLinkKeys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(json(json({{key, 5}}).get<pixxel::DownloadLink>())[key], "5");
    EXPECT_EQ(decode_error<pixxel::DownloadLink>({{key, true}}).path(), key);
  }
}

// --- Integer fields ---------------------------------------------------------------------------

TEST(ModelsTest, IntegerFieldTakesSignedAndUnsignedIntegers) {
  EXPECT_EQ(json({{"cost", 42}}).get<pixxel::Job>().cost, 42);
  EXPECT_EQ(json({{"cost", -42}}).get<pixxel::Job>().cost, -42);
  EXPECT_EQ(json::parse(R"({"cost": 9223372036854775807})").get<pixxel::Job>().cost,
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(json::parse(R"({"cost": -9223372036854775808})").get<pixxel::Job>().cost,
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(json({{"cost", std::uint64_t{7}}}).get<pixxel::Job>().cost, 7);
}

TEST(ModelsTest, IntegerFieldRejectsAnUnsignedAboveInt64Max) {
  const auto e = decode_error<pixxel::Job>(json::parse(R"({"cost": 9223372036854775808})"));
  EXPECT_EQ(e.path(), "cost");
  EXPECT_EQ(e.reason(),
            "expected an integer in the int64 range, got the number 9223372036854775808");
}

TEST(ModelsTest, IntegerFieldTruncatesAFloatTowardZero) {
  EXPECT_EQ(json({{"cost", 2.9}}).get<pixxel::Job>().cost, 2);
  EXPECT_EQ(json({{"cost", -2.9}}).get<pixxel::Job>().cost, -2);
  EXPECT_EQ(json({{"cost", 1e3}}).get<pixxel::Job>().cost, 1000);
  EXPECT_EQ(json({{"cost", -9223372036854775808.0}}).get<pixxel::Job>().cost,
            std::numeric_limits<std::int64_t>::min());
}

TEST(ModelsTest, IntegerFieldRejectsAFloatOutsideInt64) {
  for (const double d : {9223372036854775808.0, -9223372036854777856.0, 1e300, -1e300}) {
    SCOPED_TRACE(d);
    const auto e = decode_error<pixxel::Job>({{"cost", d}});
    EXPECT_EQ(e.path(), "cost");
    EXPECT_EQ(e.reason().rfind("expected an integer in the int64 range, got the number ", 0), 0u)
        << e.reason();
  }
}

TEST(ModelsTest, IntegerFieldRejectsNanAndInfinity) {
  for (const double d :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity()}) {
    const auto e = decode_error<pixxel::Job>({{"estimated_duration", d}});
    EXPECT_EQ(e.path(), "estimated_duration");
    EXPECT_EQ(e.reason(), "expected an integer in the int64 range, got a non-finite number");
  }
}

TEST(ModelsTest, IntegerFieldTakesAStringHoldingANumber) {
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"42", 42},
      {" 42 ", 42},
      {"42.9", 42},
      {"-3", -3},
      {"1e3", 1000},
      {"+5", 5},
      {"-2.9", -2},
      {"007", 7},
      {".5", 0},
      {"5.", 5},
      {"1E2", 100},
      {"2.5e1", 25},
      {"-0", 0},
      {"9223372036854775807", std::numeric_limits<std::int64_t>::max()},
      {"-9223372036854775808", std::numeric_limits<std::int64_t>::min()}};
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(json({{"cost", text}}).get<pixxel::Job>().cost, expected);
  }
}

TEST(ModelsTest, IntegerFieldTreatsAnEmptyStringAsNotSet) {
  EXPECT_EQ(json({{"cost", ""}}).get<pixxel::Job>().cost, 0);
}

TEST(ModelsTest, IntegerFieldRejectsAStringThatIsNotANumber) {
  for (const std::string text : {"abc", " ", "42abc", "0x10", "inf", "nan", "-", ".", "1e", "1e+",
                                 "\t42", "42\n", "4 2", "--1", "+-1", "1,000", "e3"}) {
    SCOPED_TRACE(text);
    const auto e = decode_error<pixxel::Job>({{"cost", text}});
    EXPECT_EQ(e.path(), "cost");
    EXPECT_EQ(e.reason(), "expected an integer, got the string " + json(text).dump());
  }
}

TEST(ModelsTest, IntegerFieldRejectsAStringOutsideInt64) {
  for (const std::string text : {"9223372036854775808", "-9223372036854775809", "1e19"}) {
    SCOPED_TRACE(text);
    const auto e = decode_error<pixxel::Job>({{"cost", text}});
    EXPECT_EQ(e.path(), "cost");
    EXPECT_EQ(e.reason(),
              "expected an integer in the int64 range, got the string \"" + text + "\"");
  }
}

TEST(ModelsTest, IntegerFieldRejectsABooleanAnObjectAndAnArray) {
  auto e = decode_error<pixxel::Job>({{"cost", false}});
  EXPECT_EQ(e.path(), "cost");
  EXPECT_EQ(e.reason(), "expected an integer, got the boolean false");
  e = decode_error<pixxel::Job>({{"cost", json::object()}});
  EXPECT_EQ(e.reason(), "expected an integer, got an object");
  e = decode_error<pixxel::Job>({{"cost", json::array({1})}});
  EXPECT_EQ(e.reason(), "expected an integer, got an array");
}

TEST(ModelsTest, EveryIntegerFieldReadsItsKeyAndNamesItInErrors) {
  EXPECT_EQ(json({{"estimated_duration", "12"}}).get<pixxel::Job>().estimated_duration, 12);
  EXPECT_EQ(decode_error<pixxel::Job>({{"estimated_duration", "x"}}).path(), "estimated_duration");
  EXPECT_EQ(decode_task_of_job({{"estimated_time_duration", " 9.5 "}}).estimated_time_duration, 9);
  EXPECT_EQ(decode_error<pixxel::Job>(with_task({{"estimated_time_duration", true}})).path(),
            "tasks[0].estimated_time_duration");
}

// --- Task::progress ---------------------------------------------------------------------------

TEST(ModelsTest, TaskProgressTakesAnyNumberWithoutClamping) {
  EXPECT_EQ(decode_task_of_job({{"progress", 45}}).progress, 45.0);
  EXPECT_EQ(decode_task_of_job({{"progress", 45.5}}).progress, 45.5);
  EXPECT_EQ(decode_task_of_job({{"progress", 150}}).progress, 150.0);
  EXPECT_EQ(decode_task_of_job({{"progress", -5.25}}).progress, -5.25);
  EXPECT_EQ(decode_task_of_job({{"progress", 100.5}}).progress, 100.5);
  EXPECT_EQ(decode_task_of_job({{"progress", std::uint64_t{1} << 60}}).progress, 0x1p60);
}

TEST(ModelsTest, TaskProgressTakesAStringWithAnOptionalPercentSign) {
  const std::vector<std::pair<std::string, double>> cases = {
      {"45", 45.0},    {"45.5", 45.5}, {"45%", 45.0},   {"45.5%", 45.5}, {" 45 ", 45.0},
      {" 45% ", 45.0}, {"45 %", 45.0}, {"150%", 150.0}, {"+7", 7.0},     {"1e1", 10.0}};
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(decode_task_of_job({{"progress", text}}).progress, expected);
  }
}

TEST(ModelsTest, TaskProgressTreatsAnEmptyStringAsNotSet) {
  EXPECT_EQ(decode_task_of_job({{"progress", ""}}).progress, 0.0);
}

TEST(ModelsTest, TaskProgressRejectsAStringThatIsNotANumber) {
  for (const std::string text : {"abc", "%", "45%%", "%45", "45 percent", "nan", "inf", " "}) {
    SCOPED_TRACE(text);
    const auto e = decode_error<pixxel::Job>(with_task({{"progress", text}}));
    EXPECT_EQ(e.path(), "tasks[0].progress");
    EXPECT_EQ(e.reason(), "expected a number or a percentage, got the string " + json(text).dump());
  }
}

TEST(ModelsTest, TaskProgressRejectsABooleanAnObjectAndAnArray) {
  const json tasks = {json::object(), json::object(), json::object(), {{"progress", {{"a", 1}}}}};
  const auto e = decode_error<pixxel::Job>({{"tasks", tasks}});
  EXPECT_EQ(e.path(), "tasks[3].progress");
  EXPECT_EQ(e.reason(), "expected a number, got an object");
  EXPECT_EQ(decode_error<pixxel::Task>({{"progress", true}}).reason(),
            "expected a number, got the boolean true");
  EXPECT_EQ(decode_error<pixxel::Task>({{"progress", json::array()}}).path(), "progress");
}

// --- depends_on and disclaimer ----------------------------------------------------------------

TEST(ModelsTest, StringArraysTakeStringsAndNumbers) {
  const auto task = decode_task_of_job({{"depends_on", {"a", 2, 1.5}}, {"disclaimer", {"x", -1}}});
  EXPECT_EQ(task.depends_on, (std::vector<std::string>{"a", "2", "1.5"}));
  EXPECT_EQ(task.disclaimer, (std::vector<std::string>{"x", "-1"}));
}

TEST(ModelsTest, StringArraysMayBeEmptyNullOrMissing) {
  EXPECT_TRUE(decode_task_of_job({{"depends_on", json::array()}}).depends_on.empty());
  EXPECT_TRUE(decode_task_of_job({{"depends_on", nullptr}}).depends_on.empty());
  EXPECT_TRUE(decode_task_of_job(json::object()).disclaimer.empty());
}

TEST(ModelsTest, StringArrayRejectsANonArray) {
  auto e = decode_error<pixxel::Job>(with_task({{"depends_on", "task-0"}}));
  EXPECT_EQ(e.path(), "tasks[0].depends_on");
  EXPECT_EQ(e.reason(), "expected an array, got the string \"task-0\"");
  e = decode_error<pixxel::Job>(with_task({{"disclaimer", json::object()}}));
  EXPECT_EQ(e.path(), "tasks[0].disclaimer");
  EXPECT_EQ(e.reason(), "expected an array, got an object");
  e = decode_error<pixxel::Job>(with_task({{"disclaimer", 3}}));
  EXPECT_EQ(e.reason(), "expected an array, got the number 3");
}

TEST(ModelsTest, StringArrayRejectsANullElement) {
  const auto e =
      decode_error<pixxel::Job>(json::parse(R"({"tasks": [{}, {"depends_on": [null]}]})"));
  EXPECT_EQ(e.path(), "tasks[1].depends_on[0]");
  EXPECT_EQ(e.reason(), "expected a string or a number, got null");
}

TEST(ModelsTest, StringArrayRejectsAnElementThatIsNotAStringOrANumber) {
  auto e = decode_error<pixxel::Job>(with_task({{"depends_on", {"a", "b", {{"id", "c"}}}}}));
  EXPECT_EQ(e.path(), "tasks[0].depends_on[2]");
  EXPECT_EQ(e.reason(), "expected a string or a number, got an object");
  e = decode_error<pixxel::Job>(with_task({{"disclaimer", {"a", true}}}));
  EXPECT_EQ(e.path(), "tasks[0].disclaimer[1]");
}

// --- tasks, val_errors, block_info ------------------------------------------------------------

TEST(ModelsTest, TasksAndValErrorsMayBeEmptyNullOrMissing) {
  EXPECT_TRUE(json({{"tasks", json::array()}}).get<pixxel::Job>().tasks.empty());
  EXPECT_TRUE(json({{"tasks", nullptr}, {"val_errors", nullptr}}).get<pixxel::Job>().tasks.empty());
  EXPECT_TRUE(json::object().get<pixxel::Job>().val_errors.empty());
}

TEST(ModelsTest, TasksRejectANonArray) {
  auto e = decode_error<pixxel::Job>({{"tasks", json::object()}});
  EXPECT_EQ(e.path(), "tasks");
  EXPECT_EQ(e.reason(), "expected an array, got an object");
  e = decode_error<pixxel::Job>({{"val_errors", "none"}});
  EXPECT_EQ(e.path(), "val_errors");
  EXPECT_EQ(e.reason(), "expected an array, got the string \"none\"");
}

TEST(ModelsTest, TasksRejectAnElementThatIsNotAnObject) {
  auto e =
      decode_error<pixxel::Job>({{"tasks", {json::object(), json::object(), json::object(), 3}}});
  EXPECT_EQ(e.path(), "tasks[3]");
  EXPECT_EQ(e.reason(), "expected an object, got the number 3");
  e = decode_error<pixxel::Job>(json::parse(R"({"tasks": [null]})"));
  EXPECT_EQ(e.path(), "tasks[0]");
  EXPECT_EQ(e.reason(), "expected an object, got null");
  e = decode_error<pixxel::Job>(json::parse(R"({"val_errors": [[]]})"));
  EXPECT_EQ(e.path(), "val_errors[0]");
  EXPECT_EQ(e.reason(), "expected an object, got an array");
}

TEST(ModelsTest, ErrorsInsideValErrorsNameTheirPath) {
  const auto e = decode_error<pixxel::Job>(json::parse(R"({"val_errors": [{"reason": [1, 2]}]})"));
  EXPECT_EQ(e.path(), "val_errors[0].reason");
  EXPECT_EQ(e.reason(), "expected a string or a number, got an array");
}

TEST(ModelsTest, BlockInfoMayBeNullOrMissing) {
  EXPECT_EQ(decode_task_of_job({{"block_info", nullptr}}).block_info, pixxel::BlockInfo{});
  EXPECT_EQ(decode_task_of_job(json::object()).block_info, pixxel::BlockInfo{});
}

TEST(ModelsTest, BlockInfoRejectsANonObject) {
  auto e = decode_error<pixxel::Job>(with_task({{"block_info", json::array()}}));
  EXPECT_EQ(e.path(), "tasks[0].block_info");
  EXPECT_EQ(e.reason(), "expected an object, got an array");
  const json tasks = {json::object(), {{"block_info", {{"version", json::array()}}}}};
  e = decode_error<pixxel::Job>({{"tasks", tasks}});
  EXPECT_EQ(e.path(), "tasks[1].block_info.version");
}

// --- Raw fields -------------------------------------------------------------------------------

TEST(ModelsTest, RawFieldsKeepWhateverValueArrived) {
  for (const json& value : {json::array({1, 2, 3}), json("aGVsbG8="), json({{"k", {1, "v"}}}),
                            json(12), json(true), json(2.5)}) {
    SCOPED_TRACE(value.dump());
    const auto job = json({{"spec", value}}).get<pixxel::Job>();
    EXPECT_EQ(job.spec, value);
    const auto task =
        decode_task_of_job({{"inputs", value}, {"result", value}, {"info_logs", value}});
    EXPECT_EQ(task.inputs, value);
    EXPECT_EQ(task.result, value);
    EXPECT_EQ(task.info_logs, value);
  }
}

// JSON text has none, but a caller's value may hold binary data (json::binary, from_cbor).
TEST(ModelsTest, RawFieldsKeepBinaryDataOfACallersValue) {
  const json bytes = json::binary({1, 2, 255});
  EXPECT_EQ(json({{"spec", bytes}}).get<pixxel::Job>().spec, bytes);
  const json nested = {{"k", json::array({bytes})}};
  EXPECT_EQ(decode_task_of_job({{"inputs", nested}}).inputs, nested);
  const auto e = decode_error<pixxel::Job>({{"status", bytes}});
  EXPECT_EQ(e.path(), "status");
  EXPECT_EQ(e.reason(), "expected a string or a number, got binary data");
}

TEST(ModelsTest, RawFieldsMissingOrNullAreNull) {
  EXPECT_TRUE(json::object().get<pixxel::Job>().spec.is_null());
  const auto task = decode_task_of_job({{"inputs", nullptr}});
  EXPECT_TRUE(task.inputs.is_null());
  EXPECT_TRUE(task.result.is_null());
  EXPECT_TRUE(task.info_logs.is_null());
}

// --- DownloadLink -----------------------------------------------------------------------------

TEST(ModelsTest, DownloadLinkTakesSnakeCaseWorkflowId) {
  const json j = {{"id", "dl-1"},
                  {"job_id", "job-1"},
                  {"workflow_id", "wf-1"},
                  {"status", "ready"},
                  {"signed_url", "https://s/x.zip"}};
  EXPECT_EQ(j.get<pixxel::DownloadLink>(),
            (pixxel::DownloadLink{"dl-1", "ready", "https://s/x.zip", "wf-1", "job-1"}));
}

TEST(ModelsTest, DownloadLinkTakesCamelCaseWorkflowId) {
  const json j = {
      {"id", "dl-1"}, {"status", "pending"}, {"signed_url", ""}, {"workflowId", "wf-2"}};
  EXPECT_EQ(j.get<pixxel::DownloadLink>(),
            (pixxel::DownloadLink{"dl-1", "pending", "", "wf-2", ""}));
}

TEST(ModelsTest, DownloadLinkPrefersSnakeCaseWorkflowIdUnlessItIsEmpty) {
  EXPECT_EQ((json{{"workflow_id", "snake"}, {"workflowId", "camel"}})
                .get<pixxel::DownloadLink>()
                .workflow_id,
            "snake");
  EXPECT_EQ(
      (json{{"workflow_id", ""}, {"workflowId", "camel"}}).get<pixxel::DownloadLink>().workflow_id,
      "camel");
  EXPECT_EQ((json{{"workflow_id", nullptr}, {"workflowId", "camel"}})
                .get<pixxel::DownloadLink>()
                .workflow_id,
            "camel");
  EXPECT_EQ(
      (json{{"workflow_id", 0}, {"workflowId", "camel"}}).get<pixxel::DownloadLink>().workflow_id,
      "0");
}

TEST(ModelsTest, DownloadLinkRejectsABadCamelCaseWorkflowId) {
  const auto e =
      decode_error<pixxel::DownloadLink>({{"workflow_id", "wf"}, {"workflowId", json::array({1})}});
  EXPECT_EQ(e.path(), "workflowId");
  EXPECT_EQ(e.reason(), "expected a string or a number, got an array");
}

// --- A model given a non-object ---------------------------------------------------------------

TEST(ModelsTest, EveryModelRejectsANonObject) {
  EXPECT_EQ(decode_error<pixxel::Job>(json::array()).reason(), "expected an object, got an array");
  EXPECT_EQ(decode_error<pixxel::Task>(json::array()).reason(), "expected an object, got an array");
  EXPECT_EQ(decode_error<pixxel::ValError>(json::array()).reason(),
            "expected an object, got an array");
  EXPECT_EQ(decode_error<pixxel::BlockInfo>(json::array()).reason(),
            "expected an object, got an array");
  EXPECT_EQ(decode_error<pixxel::DownloadLink>(json::array()).reason(),
            "expected an object, got an array");
  EXPECT_EQ(decode_error<pixxel::Job>(json::array()).path(), "");
  EXPECT_EQ(decode_error<pixxel::DownloadLink>(json::array()).path(), "");
}

TEST(ModelsTest, ModelRejectsNullAScalarAndAString) {
  EXPECT_EQ(decode_error<pixxel::Job>(nullptr).reason(), "expected an object, got null");
  EXPECT_EQ(decode_error<pixxel::Job>(42).reason(), "expected an object, got the number 42");
  EXPECT_EQ(decode_error<pixxel::Task>("job").reason(),
            "expected an object, got the string \"job\"");
}

// --- Error text -------------------------------------------------------------------------------

TEST(ModelsTest, ErrorMessageNamesThePath) {
  const json tasks = {json::object(), json::object(), json::object(), {{"progress", "lots"}}};
  const auto e = decode_error<pixxel::Job>({{"tasks", tasks}});
  EXPECT_NE(std::string(e.what()).find("tasks[3].progress"), std::string::npos) << e.what();
  EXPECT_EQ(e.status_code(), 0);
}

TEST(ModelsTest, ErrorReasonQuotesAtMostFortyCharactersOfAString) {
  const std::string huge(100000, 'x');
  const auto e = decode_error<pixxel::Job>({{"cost", huge}});
  EXPECT_EQ(e.reason(), "expected an integer, got the string \"" + std::string(40, 'x') + "...\"");
}

TEST(ModelsTest, ErrorReasonTruncatesWithoutSplittingAUtf8Sequence) {
  std::string text = "a";
  for (int i = 0; i < 30; ++i) text += "\xC3\xA9";  // é: its 20th copy straddles byte 40
  std::string kept = "a";
  for (int i = 0; i < 19; ++i) kept += "\xC3\xA9";
  const auto e = decode_error<pixxel::Job>({{"cost", text}});
  EXPECT_EQ(e.reason(), "expected an integer, got the string \"" + kept + "...\"");
}

TEST(ModelsTest, ErrorReasonEscapesControlCharacters) {
  const auto e = decode_error<pixxel::Job>({{"cost", "4\n2"}});
  EXPECT_EQ(e.reason(), "expected an integer, got the string \"4\\n2\"");
}

// --- operator== and operator!= ----------------------------------------------------------------

template <class T>
using Mutations = std::vector<std::pair<std::string, std::function<void(T&)>>>;

template <class T>
void expect_each_mutation_detected(const T& base, const Mutations<T>& mutations) {
  EXPECT_TRUE(base == T(base));
  EXPECT_FALSE(base != T(base));
  for (const auto& [field, mutate] : mutations) {
    SCOPED_TRACE(field);
    T changed = base;
    mutate(changed);
    EXPECT_FALSE(base == changed);
    EXPECT_TRUE(base != changed);
    EXPECT_FALSE(changed == base);
  }
}

TEST(ModelsTest, BlockInfoEqualityComparesEveryField) {
  expect_each_mutation_detected<pixxel::BlockInfo>(
      {"i", "n", "v"}, {{"id", [](auto& v) { v.id += "!"; }},
                        {"name", [](auto& v) { v.name += "!"; }},
                        {"version", [](auto& v) { v.version += "!"; }}});
}

TEST(ModelsTest, ValErrorEqualityComparesEveryField) {
  expect_each_mutation_detected<pixxel::ValError>(
      {"f", "t", "e", "r", "c"}, {{"from", [](auto& v) { v.from += "!"; }},
                                  {"to", [](auto& v) { v.to += "!"; }},
                                  {"err", [](auto& v) { v.err += "!"; }},
                                  {"reason", [](auto& v) { v.reason += "!"; }},
                                  {"component_name", [](auto& v) { v.component_name += "!"; }}});
}

TEST(ModelsTest, TaskEqualityComparesEveryField) {
  expect_each_mutation_detected<pixxel::Task>(
      distinct_task(),
      {{"id", [](auto& v) { v.id += "!"; }},
       {"info_logs", [](auto& v) { v.info_logs = "aGVsbG9="; }},
       {"created_at", [](auto& v) { v.created_at += "!"; }},
       {"updated_at", [](auto& v) { v.updated_at += "!"; }},
       {"finished_at", [](auto& v) { v.finished_at += "!"; }},
       {"estimated_time_duration", [](auto& v) { v.estimated_time_duration += 1; }},
       {"time_taken", [](auto& v) { v.time_taken += "!"; }},
       {"status", [](auto& v) { v.status += "!"; }},
       {"state_msg", [](auto& v) { v.state_msg += "!"; }},
       {"inputs", [](auto& v) { v.inputs["aoi"][1] = 3; }},
       {"result", [](auto& v) { v.result.push_back(0); }},
       {"depends_on", [](auto& v) { v.depends_on.pop_back(); }},
       {"name", [](auto& v) { v.name += "!"; }},
       {"progress", [](auto& v) { v.progress += 0.5; }},
       {"disclaimer", [](auto& v) { v.disclaimer[0] += "!"; }},
       {"recv_time", [](auto& v) { v.recv_time += "!"; }},
       {"send_time", [](auto& v) { v.send_time += "!"; }},
       {"block_inf_start_time", [](auto& v) { v.block_inf_start_time += "!"; }},
       {"block_inf_end_time", [](auto& v) { v.block_inf_end_time += "!"; }},
       {"block_info", [](auto& v) { v.block_info.version += "!"; }},
       {"err_msg", [](auto& v) { v.err_msg += "!"; }},
       {"failure_type", [](auto& v) { v.failure_type += "!"; }}});
}

TEST(ModelsTest, JobEqualityComparesEveryField) {
  expect_each_mutation_detected<pixxel::Job>(
      distinct_job(), {{"created_by", [](auto& v) { v.created_by += "!"; }},
                       {"status", [](auto& v) { v.status += "!"; }},
                       {"time_taken", [](auto& v) { v.time_taken += "!"; }},
                       {"id", [](auto& v) { v.id += "!"; }},
                       {"tasks", [](auto& v) { v.tasks[0].progress = 46; }},
                       {"tasks size", [](auto& v) { v.tasks.push_back(v.tasks[0]); }},
                       {"val_errors", [](auto& v) { v.val_errors[0].component_name += "!"; }},
                       {"spec", [](auto& v) { v.spec = nullptr; }},
                       {"cost", [](auto& v) { v.cost = -v.cost; }},
                       {"workflow_id", [](auto& v) { v.workflow_id += "!"; }},
                       {"updated_at", [](auto& v) { v.updated_at += "!"; }},
                       {"finished_at", [](auto& v) { v.finished_at += "!"; }},
                       {"exec_created_at", [](auto& v) { v.exec_created_at += "!"; }},
                       {"exec_updated_at", [](auto& v) { v.exec_updated_at += "!"; }},
                       {"created_at", [](auto& v) { v.created_at += "!"; }},
                       {"estimated_duration", [](auto& v) { v.estimated_duration += 1; }},
                       {"progress", [](auto& v) { v.progress += "!"; }}});
}

TEST(ModelsTest, DownloadLinkEqualityComparesEveryField) {
  expect_each_mutation_detected<pixxel::DownloadLink>(
      distinct_link(), {{"id", [](auto& v) { v.id += "!"; }},
                        {"status", [](auto& v) { v.status += "!"; }},
                        {"signed_url", [](auto& v) { v.signed_url += "!"; }},
                        {"workflow_id", [](auto& v) { v.workflow_id += "!"; }},
                        {"job_id", [](auto& v) { v.job_id += "!"; }}});
}

// --- internal::decode_* -----------------------------------------------------------------------

TEST(DecodeTest, DecodeJobReadsTheDocumentedExample) {
  EXPECT_EQ(pixxel::internal::decode_job(kDocumentedExample),
            json::parse(kDocumentedExample).get<pixxel::Job>());
  EXPECT_EQ(pixxel::internal::decode_job(kDistinctJob), distinct_job());
}

TEST(DecodeTest, DecodeJobRejectsABodyThatIsNotJson) {
  for (const std::string body : {"", " ", "{", "not json", R"({"id": })", "{} {}", "<html>"}) {
    SCOPED_TRACE(body);
    const auto e = body_error([&] { pixxel::internal::decode_job(body); });
    EXPECT_EQ(e.path(), "");
    EXPECT_EQ(e.reason().rfind("not valid JSON: ", 0), 0u) << e.reason();
  }
}

TEST(DecodeTest, DecodeJobRejectsANumberTooLargeForADoubleAsNotJson) {
  const auto e = body_error([] { pixxel::internal::decode_job(R"({"cost": 1e500})"); });
  EXPECT_EQ(e.path(), "");
  EXPECT_EQ(e.reason().rfind("not valid JSON: ", 0), 0u) << e.reason();
}

TEST(DecodeTest, DecodeJobRejectsABodyThatIsNotAnObject) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[]", "expected an object, got an array"},
      {"[{}]", "expected an object, got an array"},
      {"null", "expected an object, got null"},
      {"42", "expected an object, got the number 42"},
      {R"("job")", "expected an object, got the string \"job\""}};
  for (const auto& [body, reason] : cases) {
    SCOPED_TRACE(body);
    // C++17 lambdas cannot capture a structured binding (clang refuses; GCC lets it pass).
    const std::string& text = body;
    const auto e = body_error([&text] { pixxel::internal::decode_job(text); });
    EXPECT_EQ(e.path(), "");
    EXPECT_EQ(e.reason(), reason);
  }
}

TEST(DecodeTest, DecodeJobNamesThePathOfABadValue) {
  const auto e = body_error([] {
    pixxel::internal::decode_job(R"({"id": "j", "tasks": [{}, {}, {}, {"progress": {"x": 1}}]})");
  });
  EXPECT_EQ(e.path(), "tasks[3].progress");
  EXPECT_EQ(e.reason(), "expected a number, got an object");
}

TEST(DecodeTest, DecodeDownloadLinkTakesEitherWorkflowIdSpelling) {
  EXPECT_EQ(pixxel::internal::decode_download_link(
                R"({"id": "d", "status": "ready", "signed_url": "u", "workflowId": "w"})"),
            (pixxel::DownloadLink{"d", "ready", "u", "w", ""}));
  EXPECT_EQ(pixxel::internal::decode_download_link(
                R"({"id": "d", "job_id": "j", "workflow_id": "w", "status": "pending",
                    "signed_url": ""})"),
            (pixxel::DownloadLink{"d", "pending", "", "w", "j"}));
  EXPECT_EQ(
      pixxel::internal::decode_download_link(R"({"id": "d", "workflow_id": "", "workflowId": "w"})")
          .workflow_id,
      "w");
}

TEST(DecodeTest, DecodeDownloadLinkRejectsBadBodies) {
  auto e = body_error([] { pixxel::internal::decode_download_link("[]"); });
  EXPECT_EQ(e.path(), "");
  EXPECT_EQ(e.reason(), "expected an object, got an array");
  e = body_error([] { pixxel::internal::decode_download_link(""); });
  EXPECT_EQ(e.reason().rfind("not valid JSON: ", 0), 0u);
  e = body_error(
      [] { pixxel::internal::decode_download_link(R"({"id": "d", "signed_url": {}})"); });
  EXPECT_EQ(e.path(), "signed_url");
}

TEST(DecodeTest, DecodeJobListReadsTheJobs) {
  const std::string body = std::string(R"({"jobs": [)") + kDistinctJob + "," + kDocumentedExample +
                           R"(, {"id": "j3"}], "next": "ignored"})";
  const auto jobs = pixxel::internal::decode_job_list(body);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0], distinct_job());
  EXPECT_EQ(jobs[1], json::parse(kDocumentedExample).get<pixxel::Job>());
  EXPECT_EQ(jobs[2].id, "j3");
}

TEST(DecodeTest, DecodeJobListGivesNoJobsForMissingNullOrEmptyJobs) {
  EXPECT_TRUE(pixxel::internal::decode_job_list("{}").empty());
  EXPECT_TRUE(pixxel::internal::decode_job_list(R"({"jobs": null})").empty());
  EXPECT_TRUE(pixxel::internal::decode_job_list(R"({"jobs": []})").empty());
}

TEST(DecodeTest, DecodeJobListRejectsBadBodies) {
  auto e = body_error([] { pixxel::internal::decode_job_list("[]"); });
  EXPECT_EQ(e.path(), "");
  EXPECT_EQ(e.reason(), "expected an object, got an array");
  e = body_error([] { pixxel::internal::decode_job_list("{"); });
  EXPECT_EQ(e.path(), "");
  EXPECT_EQ(e.reason().rfind("not valid JSON: ", 0), 0u);
  e = body_error([] { pixxel::internal::decode_job_list(R"({"jobs": {}})"); });
  EXPECT_EQ(e.path(), "jobs");
  EXPECT_EQ(e.reason(), "expected an array, got an object");
  e = body_error([] { pixxel::internal::decode_job_list(R"({"jobs": [{"id": "a"}, "j"]})"); });
  EXPECT_EQ(e.path(), "jobs[1]");
  EXPECT_EQ(e.reason(), "expected an object, got the string \"j\"");
}

TEST(DecodeTest, DecodeJobListNamesTheFullPathOfABadValue) {
  const auto e = body_error([] {
    pixxel::internal::decode_job_list(
        R"({"jobs": [{"id": "a"}, {"id": "b"}, {"id": "c", "tasks": [{"progress": "most"}]}]})");
  });
  EXPECT_EQ(e.path(), "jobs[2].tasks[0].progress");
  EXPECT_NE(std::string(e.what()).find("jobs[2].tasks[0].progress"), std::string::npos);
}

// An answer without its model's identity is not that model: `{"message": "ok"}` was once
// decoded as a job with empty fields, which `jobs wait` then polled for ever.
TEST(IdentityTest, AnAnswerWithoutItsIdIsADecodeErrorAtThatPath) {
  using pixxel::internal::decode_job;
  auto e = body_error([] { decode_job(R"({"message": "ok", "data": {"id": "j"}})"); });
  EXPECT_EQ(e.path(), "id");
  EXPECT_EQ(e.reason().rfind("missing: ", 0), 0u) << e.reason();
  e = body_error([] { decode_job(R"({"id": null, "status": "running"})"); });
  EXPECT_EQ(e.path(), "id");
  e = body_error([] { pixxel::internal::decode_job_list(R"({"jobs": [{"id": "a"}, {}]})"); });
  EXPECT_EQ(e.path(), "jobs[1].id");
  e = body_error([] { pixxel::internal::decode_download_link(R"({"status": "ready"})"); });
  EXPECT_EQ(e.path(), "id");
  e = body_error([] { pixxel::internal::decode_workflow(R"({"name": "w"})"); });
  EXPECT_EQ(e.path(), "id");
  e = body_error(
      [] { pixxel::internal::decode_workflow_page(R"({"workflows": [{"id": "a"}, {"x": 1}]})"); });
  EXPECT_EQ(e.path(), "workflows[1].id");
  e = body_error([] { pixxel::internal::decode_project(R"({"name": "p"})"); });
  EXPECT_EQ(e.path(), "id");
  e = body_error([] { pixxel::internal::decode_project(R"({"project": {"name": "p"}})"); });
  EXPECT_EQ(e.path(), "project.id");
  e = body_error(
      [] { pixxel::internal::decode_project_page(R"({"projects": [{}], "count": 1})"); });
  EXPECT_EQ(e.path(), "projects[0].id");
}

TEST(IdentityTest, EverythingElseStaysLenient) {
  EXPECT_EQ(pixxel::internal::decode_job(R"({"id": "j"})").id, "j");
  EXPECT_EQ(pixxel::internal::decode_project(R"({"project": {"id": "p"}})").id, "p");
  EXPECT_EQ(pixxel::internal::decode_project(R"({"id": "p"})").id, "p");
  EXPECT_TRUE(pixxel::internal::decode_job_list(R"({"jobs": []})").empty());
  EXPECT_EQ(pixxel::internal::decode_cost_estimate("{}").estimated_cost, 0);
  // A model nested in a model has no identity of its own to require (a task, a block).
  EXPECT_EQ(pixxel::internal::decode_job(R"({"id": "j", "tasks": [{}]})").tasks.size(), 1u);
  // A caller's own value (from_json) may leave the identity out, as any other key.
  EXPECT_EQ(json::object().get<pixxel::Job>(), pixxel::Job{});
}

// --- raw_bytes --------------------------------------------------------------------------------

TEST(RawBytesTest, IntegerArrayGivesItsBytes) {
  EXPECT_EQ(pixxel::raw_bytes(json::parse("[0, 1, 127, 128, 255]")), (Bytes{0, 1, 127, 128, 255}));
  EXPECT_EQ(pixxel::raw_bytes(json::array({104, 105})), (Bytes{104, 105}));  // signed ints
  EXPECT_EQ(pixxel::raw_bytes(json::array()), Bytes{});
}

TEST(RawBytesTest, ArrayWithABadElementGivesNothing) {
  for (const char* text : {"[256]", "[-1]", "[1, 1000]", "[1.0]", "[\"1\"]", "[null]", "[[1]]",
                           "[true]", "[18446744073709551615]"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(pixxel::raw_bytes(json::parse(text)), std::nullopt);
  }
}

TEST(RawBytesTest, Base64StringGivesItsBytes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},       {"aGVsbG8=", "hello"}, {"aGVsbG8", "hello"},
      {"aGk=", "hi"}, {"aGk", "hi"},         {"aA==", "h"},
      {"aA", "h"},    {"aGV5", "hey"},       {"aGVsbG8sIHdvcmxkIQ==", "hello, world!"}};
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(pixxel::raw_bytes(text), Bytes(expected.begin(), expected.end()));
  }
}

TEST(RawBytesTest, Base64TakesStandardAndUrlSafeAlphabets) {
  EXPECT_EQ(pixxel::raw_bytes("+/8="), (Bytes{0xFB, 0xFF}));
  EXPECT_EQ(pixxel::raw_bytes("-_8="), (Bytes{0xFB, 0xFF}));
  EXPECT_EQ(pixxel::raw_bytes("-_8"), (Bytes{0xFB, 0xFF}));
}

TEST(RawBytesTest, Base64DecodesEveryByteValue) {
  constexpr const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  std::string encoded;
  for (std::size_t i = 0; i < all.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, all.size() - i);
    std::uint32_t group = static_cast<std::uint32_t>(all[i]) << 16;
    if (n > 1) group |= static_cast<std::uint32_t>(all[i + 1]) << 8;
    if (n > 2) group |= all[i + 2];
    for (std::size_t k = 0; k < 4; ++k) {
      encoded += k <= n ? kAlphabet[(group >> (18 - 6 * k)) & 0x3F] : '=';
    }
  }
  EXPECT_EQ(pixxel::raw_bytes(encoded), all);
}

TEST(RawBytesTest, MalformedBase64GivesNothing) {
  for (const std::string text :
       {"aGVs bG8=", "aGVsbG8=\n", " aGk=", "aGV*", "aGVsb", "a",
        "aGVsbG8==", "aGk==", "aA=", "aA===", "=", "==", "====", "aA==aA==", "aG=k"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(pixxel::raw_bytes(text), std::nullopt);
  }
  EXPECT_EQ(pixxel::raw_bytes(std::string("aGk=\0", 5)), std::nullopt);
}

TEST(RawBytesTest, OtherValuesGiveNothing) {
  for (const json& value :
       {json(nullptr), json::object(), json({{"a", 1}}), json(5), json(1.5), json(true)}) {
    SCOPED_TRACE(value.dump());
    EXPECT_EQ(pixxel::raw_bytes(value), std::nullopt);
  }
}

TEST(RawBytesTest, ReadsTheRawFieldsOfADecodedTask) {
  const auto task = decode_task_of_job({{"info_logs", "aGk="}, {"result", {104, 105}}});
  EXPECT_EQ(pixxel::raw_bytes(task.info_logs), (Bytes{'h', 'i'}));
  EXPECT_EQ(pixxel::raw_bytes(task.result), (Bytes{'h', 'i'}));
  EXPECT_EQ(pixxel::raw_bytes(task.inputs), std::nullopt);
}

}  // namespace
