#include "catalog.hpp"

#include <algorithm>

namespace pixxel::mock::detail {
namespace {

json blocks(std::initializer_list<const char*> names) {
  json out = json::array();
  for (const char* name : names) out.push_back(name);
  return {{"blocks", std::move(out)}};
}

}  // namespace

const std::vector<ProjectRecord>& seeded_projects() {
  static const std::vector<ProjectRecord> projects = {
      {"prj-agri",
       "agri-monitoring",
       "Agriculture monitoring",
       "org-demo",
       "Crop health and vegetation indices over monitored farmland",
       4,
       "2024-01-15 08:30:00.000000+00:00",
       "2024-06-01 12:00:00.000000+00:00",
       {{"region", "south-asia"}}},
      {"prj-coast",
       "coastal-watch",
       "Coastal watch",
       "org-demo",
       "Shoreline change and flood extent along monitored coasts",
       2,
       "2024-02-20 10:00:00.000000+00:00",
       "2024-05-10 16:45:00.000000+00:00",
       {{"region", "west-coast"}}},
  };
  return projects;
}

const std::vector<WorkflowRecord>& seeded_workflows() {
  // Dates chosen so that the created_on and updated_at filters each match more than one
  // workflow, and fewer than all of them.
  static const std::vector<WorkflowRecord> workflows = {
      {"wf-ndvi",
       "prj-agri",
       "legacy-101",
       "ndvi",
       "mock-user",
       "Normalised difference vegetation index from the red and near-infrared bands",
       "2024-03-01 09:00:00.000000+00:00",
       "2024-03-01 09:00:00.000000+00:00",
       30,
       {},
       blocks({"ingest", "ndvi", "export"})},
      {"wf-crop-health",
       "prj-agri",
       "legacy-101",
       "crop-health",
       "ops-user",
       "Crop stress classes from vegetation indices and soil moisture",
       "2024-03-01 14:30:00.000000+00:00",
       "2024-04-02 08:00:00.000000+00:00",
       45,
       {},
       blocks({"ingest", "ndvi", "soil-moisture", "classify", "export"})},
      {"wf-invalid",
       "prj-agri",
       "legacy-101",
       "invalid-pipeline",
       "mock-user",
       "A workflow whose blocks do not fit together: its jobs fail validation at once",
       "2024-03-05 11:00:00.000000+00:00",
       "2024-03-05 11:00:00.000000+00:00",
       0,
       {{"ingest", "ndvi", "output \"swir\" is not an input of block \"ndvi\"",
         "the ndvi block reads the red and nir bands only", "ndvi"},
        {"ndvi", "export", "missing required parameter \"format\"",
         "the export block needs an output format", "export"}},
       blocks({"ingest", "ndvi", "export"})},
      {"wf-shoreline",
       "prj-coast",
       "legacy-202",
       "shoreline",
       "ops-user",
       "Shoreline position from water indices over time",
       "2024-03-10 07:15:00.000000+00:00",
       "2024-04-02 18:20:00.000000+00:00",
       30,
       {},
       blocks({"ingest", "water-index", "export"})},
      {"wf-flood-map",
       "prj-coast",
       "legacy-202",
       "flood-map",
       "mock-user",
       "Flood extent from before and after scenes",
       "2024-03-12 13:00:00.000000+00:00",
       "2024-03-12 13:00:00.000000+00:00",
       60,
       {},
       blocks({"ingest", "change-detect", "flood-extent", "export"})},
      {"wf-fail",
       "prj-coast",
       "legacy-202",
       "always-fails",
       "mock-user",
       "Its jobs fail at their last task, to show how failures look",
       "2024-03-15 16:00:00.000000+00:00",
       "2024-03-15 16:00:00.000000+00:00",
       30,
       {},
       blocks({"ingest", "process", "export"})},
  };
  return workflows;
}

const ProjectRecord* find_project(std::string_view id) {
  const auto& projects = seeded_projects();
  const auto found = std::find_if(projects.begin(), projects.end(),
                                  [&](const ProjectRecord& p) { return p.id == id; });
  return found == projects.end() ? nullptr : &*found;
}

const WorkflowRecord* find_workflow(std::string_view id) {
  const auto& workflows = seeded_workflows();
  const auto found = std::find_if(workflows.begin(), workflows.end(),
                                  [&](const WorkflowRecord& w) { return w.id == id; });
  return found == workflows.end() ? nullptr : &*found;
}

json render_val_errors(const std::vector<ValErrorRecord>& errors) {
  json out = json::array();
  for (const ValErrorRecord& e : errors) {
    out.push_back({{"from", e.from},
                   {"to", e.to},
                   {"err", e.err},
                   {"reason", e.reason},
                   {"component_name", e.component_name}});
  }
  return out;
}

json render_workflow_summary(const WorkflowRecord& workflow) {
  json out;
  out["id"] = workflow.id;
  out["project_id"] = workflow.project_id;
  out["legacy_project_id"] = workflow.legacy_project_id;
  out["name"] = workflow.name;
  out["created_by"] = workflow.created_by;
  out["description"] = workflow.description;
  out["created_at"] = workflow.created_at;
  out["updated_at"] = workflow.updated_at;
  return out;
}

json render_workflow(const WorkflowRecord& workflow) {
  json out;
  out["id"] = workflow.id;
  out["estimated_cost"] = workflow.estimated_cost;
  out["name"] = workflow.name;
  out["created_by"] = workflow.created_by;
  out["description"] = workflow.description;
  out["spec"] = workflow.spec;
  out["created_at"] = workflow.created_at;
  out["updated_at"] = workflow.updated_at;
  out["val_errors"] = render_val_errors(workflow.val_errors);
  out["project_id"] = workflow.project_id;
  return out;
}

json render_project(const ProjectRecord& project) {
  json out;
  out["id"] = project.id;
  out["name"] = project.name;
  out["title"] = project.title;
  out["org_id"] = project.org_id;
  out["description"] = project.description;
  out["members_count"] = project.members_count;
  out["created_at"] = project.created_at;
  out["updated_at"] = project.updated_at;
  out["metadata"] = project.metadata;
  return out;
}

}  // namespace pixxel::mock::detail
