// Conformance with Pixxel's published OpenAPI document (tests/data holds the part that covers
// the jobs, workflows and projects calls, byte for byte as published). For every response of
// every call it documents, a body is generated from the schema (every property present,
// values of the schema's types), answered to the call through a fake transport, and the
// result checked field by field through the model's table: each generated key must be in the
// table, and its value come back from the model's to_json under its key, so a field the model
// does not map fails here. Error answers must
// arrive as the ApiError of their status, with the documented error body read. Then the
// variants Pixxel's guide shows where it disagrees with the reference.

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "decode/schema.hpp"
#include "models/schemas.hpp"
#include "pixxel/pixxel.hpp"
#include "support/fake_transport.hpp"

namespace pixxel {
namespace {

using json = nlohmann::json;
using testing::FakeTransport;

constexpr char kBase[] = "https://api.example.test";

json load_document() {
  std::ifstream in(std::string(PIXXEL_TEST_DATA_DIR) +
                   "/pixxel-openapi-jobs-workflows-projects.json");
  if (!in) throw std::runtime_error("cannot open the OpenAPI document in tests/data");
  return json::parse(in);
}

// A body for `schema`: every property present, each value of its schema's type and distinct
// from the others, so that a value landing in the wrong field shows.
class Generator {
 public:
  explicit Generator(const json& document) : schemas_(document.at("components").at("schemas")) {}

  json generate(const json& schema, const std::string& name) {
    if (schema.contains("$ref")) {
      const std::string ref = schema.at("$ref");
      const std::string prefix = "#/components/schemas/";
      if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("unexpected $ref " + ref);
      return generate(schemas_.at(ref.substr(prefix.size())), name);
    }
    if (schema.contains("allOf")) return generate(schema.at("allOf").at(0), name);
    const std::string type = schema.value("type", "");
    ++counter_;
    if (type == "object") {
      json out = json::object();
      if (!schema.contains("properties")) {
        // A free-form object (metadata, an unspecified error body): one entry, kept as sent.
        out[name + "-key"] = name + "-value-" + std::to_string(counter_);
        return out;
      }
      for (const auto& [key, property] : schema.at("properties").items()) {
        out[key] = generate(property, key);
      }
      return out;
    }
    if (type == "array") {
      const json& items = schema.at("items");
      if (items.value("type", "") == "integer") return json::array({7, 0, 255, counter_ % 256});
      return json::array({generate(items, name), generate(items, name)});
    }
    if (type == "string") return name + "-" + std::to_string(counter_);
    if (type == "integer") return 1000 + counter_;
    if (type == "number") return counter_ + 0.5;
    if (type == "boolean") return true;
    if (type.empty()) return json{{"any", json::array({name, counter_})}};  // `details`: any
    throw std::runtime_error("no generator for type " + type + " of " + name);
  }

 private:
  const json& schemas_;
  int counter_ = 0;
};

// Every key of `expected` must be a key of the answer's table (`table`, the one the SDK decodes
// it with) and be in `actual`, the model's to_json, with an equal value: under the key it
// stands for where the table reads it as another spelling (the job download link's
// `workflowId`). Models nested in the table are compared key by key, recursively; a value
// without a table (a raw field, ping's text) must equal the model's as a whole.
void expect_mapped(const json& expected, const json& actual, const internal::Table* table,
                   const std::string& path) {
  if (table != nullptr && expected.is_object()) {
    ASSERT_TRUE(actual.is_object()) << path << ": " << actual.dump();
    for (const auto& [key, value] : expected.items()) {
      const internal::Field* field = nullptr;
      for (std::size_t i = 0; i < table->count; ++i) {
        if (table->fields[i].key == key) field = &table->fields[i];
      }
      if (field == nullptr) {
        ADD_FAILURE() << path << "." << key << " is not in the model's table";
        continue;
      }
      const internal::Field& written =
          field->spelling_of >= 0 ? table->fields[field->spelling_of] : *field;
      const std::string model_key(written.key);
      if (!actual.contains(model_key)) {
        ADD_FAILURE() << path << "." << key << " is not mapped (model JSON: " << actual.dump()
                      << ")";
        continue;
      }
      expect_mapped(value, actual.at(model_key), written.nested, path + "." + key);
    }
    return;
  }
  if (table != nullptr && expected.is_array() && actual.is_array()) {
    ASSERT_EQ(expected.size(), actual.size()) << path;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      expect_mapped(expected[i], actual[i], table, path + "[" + std::to_string(i) + "]");
    }
    return;
  }
  EXPECT_EQ(expected, actual) << path;
}

// The table an answer of model T is decoded with.
template <class T>
const internal::Table* table_of() {
  return &internal::kTable<typename internal::Draft<T>::type>;
}

// How each documented call is made through the client, and the JSON of what it returns in
// the shape of the documented answer (a model's to_json, wrapped where the answer wraps it).
struct Call {
  std::function<json(PixxelClient&)> make;
  std::string path;               // the documented path with its placeholders filled
  std::string query;              // the required query the client must send
  const internal::Table* answer;  // what the answer is decoded with; null for ping's text
};

const std::map<std::string, Call>& calls() {
  static const std::map<std::string, Call> kCalls = {
      {"get /ping", {[](PixxelClient& c) { return json(c.ping()); }, "/ping", "", nullptr}},
      {"get /v0/projects",
       {[](PixxelClient& c) { return json(c.list_projects()); }, "/v0/projects",
        "page_num=1&page_size=50", table_of<ProjectPage>()}},
      {"get /v0/projects/{id}",
       {[](PixxelClient& c) {
          return json{{"project", c.get_project("prj-1")}};
        },
        "/v0/projects/prj-1", "", table_of<Project>()}},
      {"get /v0/workflows",
       {[](PixxelClient& c) { return json(c.list_workflows()); }, "/v0/workflows",
        "offset=0&limit=50", table_of<WorkflowPage>()}},
      {"get /v0/workflows/{workflow_id}",
       {[](PixxelClient& c) { return json(c.get_workflow("wf-1", "prj-1")); }, "/v0/workflows/wf-1",
        "project_id=prj-1", table_of<Workflow>()}},
      {"get /v0/workflows/{workflow_id}/estimate",
       {[](PixxelClient& c) { return json(c.estimate_cost("wf-1")); },
        "/v0/workflows/wf-1/estimate", "", table_of<CostEstimate>()}},
      {"get /v0/workflows/{workflow_id}/jobs",
       {[](PixxelClient& c) {
          return json{{"jobs", c.list_jobs("wf-1")}};
        },
        "/v0/workflows/wf-1/jobs", "", table_of<internal::JobListDraft>()}},
      {"post /v0/workflows/{workflow_id}/jobs",
       {[](PixxelClient& c) { return json(c.create_job("wf-1", "prj-1")); },
        "/v0/workflows/wf-1/jobs", "project_id=prj-1", table_of<Job>()}},
      {"get /v0/workflows/{workflow_id}/jobs/{job_id}",
       {[](PixxelClient& c) { return json(c.get_job("wf-1", "job-1")); },
        "/v0/workflows/wf-1/jobs/job-1", "", table_of<Job>()}},
      {"put /v0/workflows/{workflow_id}/jobs/{job_id}/download",
       {[](PixxelClient& c) { return json(c.download_job("wf-1", "job-1")); },
        "/v0/workflows/wf-1/jobs/job-1/download", "", table_of<DownloadLink>()}},
      {"put /v0/workflows/{workflow_id}/jobs/{job_id}/tasks/{task_id}/download",
       {[](PixxelClient& c) { return json(c.download_task("wf-1", "job-1", "task-1")); },
        "/v0/workflows/wf-1/jobs/job-1/tasks/task-1/download", "", table_of<DownloadLink>()}},
  };
  return kCalls;
}

struct Answer {
  std::string operation;  // "get /v0/projects"
  std::string status;
  json schema;
};

std::vector<Answer> documented_answers(const json& document) {
  std::vector<Answer> out;
  for (const auto& [path, methods] : document.at("paths").items()) {
    for (const auto& [method, operation] : methods.items()) {
      for (const auto& [status, response] : operation.at("responses").items()) {
        out.push_back({method + " " + path, status,
                       response.at("content").at("application/json").at("schema")});
      }
    }
  }
  return out;
}

class OpenApiConformanceTest : public ::testing::Test {
 protected:
  // A client over a new fake transport (which repeats its last answer), so that each case
  // gets the answers it scripts.
  PixxelClient client() {
    transport_ = std::make_shared<FakeTransport>();
    ClientOptions o;
    o.api_key = "sk-conformance";
    o.base_url = kBase;
    o.transport = transport_;
    o.retry.max_retries = 0;
    return PixxelClient(o);
  }

  const json document_ = load_document();
  std::shared_ptr<FakeTransport> transport_;
};

TEST_F(OpenApiConformanceTest, TheDocumentIsTheOneInSharedApi) {
  // The copy must be the published part, not an edited one: check what this suite relies on.
  EXPECT_EQ(document_.at("info").at("title"), "stargate");
  EXPECT_EQ(documented_answers(document_).size(), 33u);
}

TEST_F(OpenApiConformanceTest, EveryDocumentedCallHasAClientMethod) {
  std::set<std::string> documented;
  for (const Answer& answer : documented_answers(document_)) documented.insert(answer.operation);
  std::set<std::string> covered;
  for (const auto& [operation, call] : calls()) covered.insert(operation);
  EXPECT_EQ(documented, covered);
}

TEST_F(OpenApiConformanceTest, EverySuccessBodyDecodesWithEveryFieldMapped) {
  int checked = 0;
  for (const Answer& answer : documented_answers(document_)) {
    if (answer.status != "200") continue;
    SCOPED_TRACE(answer.operation);
    Generator generator(document_);
    const json body = generator.generate(answer.schema, "body");
    PixxelClient c = client();
    transport_->then_answer(200, body.dump());
    const Call& call = calls().at(answer.operation);
    json result;
    ASSERT_NO_THROW(result = call.make(c));
    expect_mapped(body, result, call.answer, "$");

    // ... and it was asked of the documented method and path.
    const HttpRequest request = transport_->last();
    std::string method = answer.operation.substr(0, answer.operation.find(' '));
    for (char& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(request.method, method);
    EXPECT_EQ(request.url, kBase + call.path + (call.query.empty() ? "" : "?" + call.query));
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

TEST_F(OpenApiConformanceTest, EveryErrorBodyArrivesAsTheApiErrorOfItsStatus) {
  int checked = 0;
  for (const Answer& answer : documented_answers(document_)) {
    if (answer.status == "200") continue;
    SCOPED_TRACE(answer.operation + " " + answer.status);
    Generator generator(document_);
    const json body = generator.generate(answer.schema, "body");
    const int status = std::stoi(answer.status);
    PixxelClient c = client();
    transport_->then_answer(status, body.dump(), {{"X-Request-Id", "req-conformance"}});
    try {
      calls().at(answer.operation).make(c);
      ADD_FAILURE() << "no error";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status_code(), status);
      EXPECT_EQ(e.request_id(), "req-conformance");
      EXPECT_EQ(e.body(), body.dump());
      switch (status) {
        case 400:
          EXPECT_NE(dynamic_cast<const BadRequestError*>(&e), nullptr);
          break;
        case 403:
          EXPECT_NE(dynamic_cast<const PermissionDeniedError*>(&e), nullptr);
          break;
        case 404:
          EXPECT_NE(dynamic_cast<const NotFoundError*>(&e), nullptr);
          break;
        case 500:
          EXPECT_NE(dynamic_cast<const ServerError*>(&e), nullptr);
          break;
        default:
          ADD_FAILURE() << "undocumented status " << status;
      }
      if (body.contains("error")) {  // common.ErrorResponse: every field read
        EXPECT_EQ(e.code(), body["error"]["code"]);
        EXPECT_EQ(e.message(), body["error"]["message"]);
        EXPECT_EQ(e.details(), body["error"]["details"]);
      } else {  // a free-form object: the message falls back to the HTTP reason
        EXPECT_FALSE(e.message().empty());
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 22);
}

// The guide answers get_project with the bare project, where the reference wraps it.
TEST_F(OpenApiConformanceTest, GuideVariantBareProjectDecodesLikeTheWrappedOne) {
  Generator generator(document_);
  const json wrapped = generator.generate(
      document_.at("components").at("schemas").at("frontier.getProjectById"), "body");
  PixxelClient c = client();
  transport_->then_answer(200, wrapped.dump());
  transport_->then_answer(200, wrapped.at("project").dump());
  const Project from_reference = c.get_project("prj-1");
  const Project from_guide = c.get_project("prj-1");
  EXPECT_EQ(from_reference, from_guide);
  EXPECT_FALSE(from_guide.id.empty());
  expect_mapped(wrapped.at("project"), json(from_guide), &internal::kTable<Project>, "$");
}

// The guide carries list_projects' total as pagination.total, the reference as count.
TEST_F(OpenApiConformanceTest, GuideVariantPaginationTotalDecodesLikeCount) {
  Generator generator(document_);
  json reference = generator.generate(
      document_.at("components").at("schemas").at("frontier.listProjects"), "body");
  json guide = reference;
  guide.erase("count");
  guide["pagination"] = {{"page_num", 1}, {"page_size", 50}, {"total", reference.at("count")}};
  PixxelClient c = client();
  transport_->then_answer(200, reference.dump());
  transport_->then_answer(200, guide.dump());
  const ProjectPage from_reference = c.list_projects();
  const ProjectPage from_guide = c.list_projects();
  EXPECT_EQ(from_reference.total, reference.at("count").get<std::int64_t>());
  EXPECT_EQ(from_guide, from_reference);
  ASSERT_EQ(from_guide.projects.size(), 2u);
}

}  // namespace
}  // namespace pixxel
