// pixxel projects list|get, pixxel workflows list|get|estimate, pixxel ping.
#include "cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exit_codes.hpp"
#include "text.hpp"

namespace pixxel_cli {

int Cli::list_projects() {
  const pixxel::ProjectPage page = client_->list_projects(args_.projects_query, call_);
  if (args_.json) {
    print_answer();
    return pixxel_examples::kOk;
  }
  if (page.projects.empty()) {
    line_.message(std::string(kProgram) + ": no projects on page " +
                  std::to_string(args_.projects_query.page_num) + " (" +
                  std::to_string(page.total) + " in all)");
    return pixxel_examples::kOk;
  }
  pixxel_jobs::print_project_list(std::cout, page.projects);
  const std::int64_t size = args_.projects_query.page_size;
  const std::int64_t pages = (page.total + size - 1) / size;
  if (args_.projects_query.page_num < pages) {
    line_.message(std::string(kProgram) + ": page " +
                  std::to_string(args_.projects_query.page_num) + " of " + std::to_string(pages) +
                  " (" + std::to_string(page.total) + " projects); --page " +
                  std::to_string(args_.projects_query.page_num + 1) + " for the next");
  }
  return pixxel_examples::kOk;
}

int Cli::get_project() {
  const pixxel::Project project = client_->get_project(args_.project, call_);
  if (args_.json) {
    print_answer();
  } else {
    pixxel_jobs::print_project(std::cout, project);
  }
  return pixxel_examples::kOk;
}

int Cli::list_workflows() {
  const pixxel::ListWorkflowsQuery& query = args_.workflows_query;
  std::vector<pixxel::WorkflowSummary> workflows;
  std::optional<pixxel::WorkflowPage> page;
  if (args_.all) {
    workflows = client_->list_all_workflows(query, call_);
  } else {
    page = client_->list_workflows(query, call_);
    workflows = page->workflows;
  }
  if (args_.json && page) {
    print_answer();
    return pixxel_examples::kOk;
  }
  if (args_.json) {
    // --all: every page's answer as received, in an array.
    const std::vector<std::string> pages = recorder_->bodies();
    std::cout << "[";
    for (std::size_t i = 0; i < pages.size(); ++i) std::cout << (i == 0 ? "\n" : ",\n") << pages[i];
    std::cout << "\n]\n";
    return pixxel_examples::kOk;
  }
  if (workflows.empty()) {
    line_.message(std::string(kProgram) + ": no workflows found");
    return pixxel_examples::kOk;
  }
  pixxel_jobs::print_workflow_list(std::cout, workflows);
  if (page) {
    const std::int64_t next = query.offset + static_cast<std::int64_t>(workflows.size());
    if (next < page->pagination.total) {
      line_.message(std::string(kProgram) + ": workflows " + std::to_string(query.offset + 1) +
                    "-" + std::to_string(next) + " of " + std::to_string(page->pagination.total) +
                    "; --offset " + std::to_string(next) +
                    " for the next page, --all for every one");
    }
  }
  return pixxel_examples::kOk;
}

int Cli::get_workflow() {
  const pixxel::Workflow workflow = client_->get_workflow(args_.workflow, args_.project, call_);
  if (args_.json) {
    print_answer();
  } else {
    pixxel_jobs::print_workflow(std::cout, workflow);
  }
  return pixxel_examples::kOk;
}

int Cli::estimate() {
  const pixxel::CostEstimate estimate = client_->estimate_cost(args_.workflow, call_);
  if (args_.json) {
    print_answer();
  } else {
    std::cout << "workflow " << pixxel_jobs::printable(args_.workflow) << ": estimated cost "
              << estimate.estimated_cost << " tokens\n";
  }
  return pixxel_examples::kOk;
}

int Cli::ping() {
  const std::string answer = client_->ping(call_);
  if (args_.json) {
    print_answer();
  } else {
    std::cout << pixxel_jobs::printable(answer) << "\n";
  }
  return pixxel_examples::kOk;
}

}  // namespace pixxel_cli
