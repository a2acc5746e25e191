// The seeded, read-only catalog the workflow and project routes serve: two projects and six
// workflows, the same whatever MockOptions::seed is, so that tests, the CLI and the demo can
// name them (mock_server.hpp lists the ids and costs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "encoding.hpp"

namespace pixxel::mock::detail {

struct ValErrorRecord {
  std::string from;
  std::string to;
  std::string err;
  std::string reason;
  std::string component_name;
};

struct WorkflowRecord {
  std::string id;
  std::string project_id;
  std::string legacy_project_id;
  std::string name;
  std::string created_by;
  std::string description;
  std::string created_at;
  std::string updated_at;
  std::int64_t estimated_cost = 0;
  std::vector<ValErrorRecord> val_errors;
  json spec;
};

struct ProjectRecord {
  std::string id;
  std::string name;
  std::string title;
  std::string org_id;
  std::string description;
  std::int64_t members_count = 0;
  std::string created_at;
  std::string updated_at;
  json metadata;
};

// In the order they are listed: projects by id, workflows grouped by project as seeded.
const std::vector<ProjectRecord>& seeded_projects();
const std::vector<WorkflowRecord>& seeded_workflows();

// nullptr when the catalog has no such id.
const ProjectRecord* find_project(std::string_view id);
const WorkflowRecord* find_workflow(std::string_view id);

json render_val_errors(const std::vector<ValErrorRecord>& errors);
// dexter.ListWorkflowItem.
json render_workflow_summary(const WorkflowRecord& workflow);
// dexter.GetWorkflowsByIdTransformerResponse.
json render_workflow(const WorkflowRecord& workflow);
// frontier.* project, with the description and members_count of the list form in both forms.
json render_project(const ProjectRecord& project);

}  // namespace pixxel::mock::detail
