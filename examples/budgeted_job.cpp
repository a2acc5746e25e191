// Picks a project and a workflow, checks what a job will cost, and creates one only within
// budget: the calls a program makes before it spends tokens.
//
//   PIXXEL_API_KEY=... budgeted_job MAX_COST [PROJECT_ID]
//
// Without PROJECT_ID it takes your first project. It runs the first of the project's valid
// workflows whose estimate is at most MAX_COST tokens. PIXXEL_BASE_URL points it elsewhere (for
// example at pixxel-mock-server, whose seeded catalog has projects prj-agri and prj-coast).

#include <cstdint>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include "pixxel/pixxel.hpp"

namespace {

constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr int kNothingWithinBudget = 3;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: " << argv[0] << " MAX_COST [PROJECT_ID]\n";
    return kUsage;
  }
  std::int64_t max_cost = 0;
  try {
    max_cost = std::stoll(argv[1]);
  } catch (const std::exception&) {
    std::cerr << "budgeted_job: MAX_COST must be a number of tokens, not \"" << argv[1] << "\"\n";
    return kUsage;
  }

  try {
    pixxel::PixxelClient client;  // key from PIXXEL_API_KEY

    // 1. A project: the one named, or the first of yours.
    std::string project_id = argc == 3 ? argv[2] : "";
    if (project_id.empty()) {
      const pixxel::ProjectPage projects = client.list_projects();
      if (projects.projects.empty()) {
        std::cerr << "budgeted_job: you have no projects\n";
        return kFailed;
      }
      project_id = projects.projects.front().id;
    }
    const pixxel::Project project = client.get_project(project_id);
    std::cout << "project " << project.id << ": " << project.title << "\n";

    // 2. Its workflows, every page; the first valid one within budget.
    pixxel::ListWorkflowsQuery query;
    query.project_id = project.id;
    std::optional<pixxel::Workflow> chosen;
    for (const pixxel::WorkflowSummary& summary : client.list_all_workflows(query)) {
      const pixxel::Workflow workflow = client.get_workflow(summary.id, project.id);
      if (!workflow.val_errors.empty()) {
        std::cout << "  " << workflow.id << ": skipped, " << workflow.val_errors.size()
                  << " validation error(s), first: " << workflow.val_errors.front().err << "\n";
        continue;
      }
      // 3. What a job of it will cost, asked right before deciding.
      const std::int64_t cost = client.estimate_cost(workflow.id).estimated_cost;
      std::cout << "  " << workflow.id << ": estimated " << cost << " tokens\n";
      if (cost <= max_cost) {
        chosen = workflow;
        break;
      }
    }
    if (!chosen) {
      std::cerr << "budgeted_job: no valid workflow of " << project.id << " costs at most "
                << max_cost << " tokens\n";
      return kNothingWithinBudget;
    }

    // 4. The job. Not retried once it may have reached the server: a retry could pay twice.
    const pixxel::Job job = client.create_job(chosen->id, project.id);
    std::cout << "created job " << job.id << " of " << chosen->id << ": " << job.status << ", cost "
              << job.cost << " tokens\n";
    return 0;
  } catch (const pixxel::TransportError& e) {
    std::cerr << "budgeted_job: " << e.what() << "\n";
    if (e.request_sent()) {
      std::cerr << "budgeted_job: a job may have been created; list the workflow's jobs before "
                   "trying again\n";
    }
    return kFailed;
  } catch (const pixxel::Error& e) {
    std::cerr << "budgeted_job: " << e.what() << "\n";
    return kFailed;
  }
}
