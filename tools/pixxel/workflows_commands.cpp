// pixxel workflows list|get|estimate.
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "session.hpp"

namespace pixxel_cli {

namespace {

struct ListOptions {
  pixxel::ListWorkflowsQuery query;
  bool all = false;
};

struct WorkflowOptions {
  std::string workflow;
  std::string project;
};

int list_workflows(Session& session, const ListOptions& options) {
  const pixxel::ListWorkflowsQuery& query = options.query;
  std::vector<pixxel::WorkflowSummary> workflows;
  std::optional<pixxel::WorkflowPage> page;
  if (options.all) {
    workflows = session.client().list_all_workflows(query, session.call());
  } else {
    page = session.client().list_workflows(query, session.call());
    workflows = page->workflows;
  }
  if (session.json() && page) {
    session.print_answer();
    return kOk;
  }
  if (session.json()) {
    // --all: every page's answer as received, in an array.
    const std::vector<std::string> pages = session.answers();
    std::cout << "[";
    for (std::size_t i = 0; i < pages.size(); ++i) std::cout << (i == 0 ? "\n" : ",\n") << pages[i];
    std::cout << "\n]\n";
    return kOk;
  }
  if (workflows.empty()) {
    session.say("no workflows found");
    return kOk;
  }
  print_workflow_list(std::cout, workflows);
  if (page) {
    const std::int64_t next = query.offset + static_cast<std::int64_t>(workflows.size());
    if (next < page->pagination.total) {
      session.say("workflows " + std::to_string(query.offset + 1) + "-" + std::to_string(next) +
                  " of " + std::to_string(page->pagination.total) + "; --offset " +
                  std::to_string(next) + " for the next page, --all for every one");
    }
  }
  return kOk;
}

int get_workflow(Session& session, const WorkflowOptions& options) {
  const pixxel::Workflow workflow =
      session.client().get_workflow(options.workflow, options.project, session.call());
  if (session.json()) {
    session.print_answer();
  } else {
    print_workflow(std::cout, workflow);
  }
  return kOk;
}

int estimate(Session& session, const WorkflowOptions& options) {
  const pixxel::CostEstimate cost =
      session.client().estimate_cost(options.workflow, session.call());
  if (session.json()) {
    session.print_answer();
  } else {
    std::cout << "workflow " << printable(options.workflow) << ": estimated cost "
              << cost.estimated_cost << " tokens\n";
  }
  return kOk;
}

void setup_list(CLI::App& workflows, Program& program) {
  auto options = std::make_shared<ListOptions>();
  CLI::App* list =
      workflows.add_subcommand("list", "List workflows, a page at a time (--all: every page)");
  pixxel::ListWorkflowsQuery& wq = options->query;
  list->add_option("--project", wq.project_id, "Only this project's workflows");
  list->add_option("--id", wq.id, "Only the workflow with this id");
  list->add_option("--name", wq.name, "Only workflows with this name");
  list->add_option("--created-by", wq.created_by, "Only workflows created by this user");
  list->add_option("--created-on", wq.created_on,
                   "Only workflows created on this date (YYYY-MM-DD)")
      ->check(iso_date());
  list->add_option("--updated-at", wq.updated_at,
                   "Only workflows last updated on this date (YYYY-MM-DD)")
      ->check(iso_date());
  list->add_option("--offset", wq.offset, "Matching workflows to skip")
      ->capture_default_str()
      ->check(whole_number(0, std::numeric_limits<std::int64_t>::max() / 2));
  list->add_option("--limit", wq.limit, "Workflows per page")
      ->capture_default_str()
      ->check(whole_number(1, 1000));
  list->add_flag("--all", options->all, "Every page, from --offset on");
  list->callback([&program, options] {
    ClientNeeds needs;
    needs.keep_every_answer = options->all;
    program.run_with_client(needs,
                            [&](Session& session) { return list_workflows(session, *options); });
  });
}

}  // namespace

void setup_workflows_commands(CLI::App& app, Program& program) {
  CLI::App* workflows = app.add_subcommand("workflows",
                                           "List and show workflows, and estimate "
                                           "what a job of one will cost");
  workflows->require_subcommand(1);
  setup_list(*workflows, program);

  auto get_options = std::make_shared<WorkflowOptions>();
  CLI::App* get =
      workflows->add_subcommand("get", "Show a workflow, its cost estimate and its validity");
  get->add_option("workflow", get_options->workflow, "Workflow id")->required();
  get->add_option("--project", get_options->project, "Its project's id")->required();
  get->callback([&program, get_options] {
    program.run_with_client({},
                            [&](Session& session) { return get_workflow(session, *get_options); });
  });

  auto estimate_options = std::make_shared<WorkflowOptions>();
  CLI::App* estimate_command =
      workflows->add_subcommand("estimate", "What a job of the workflow is expected to cost");
  estimate_command->add_option("workflow", estimate_options->workflow, "Workflow id")->required();
  estimate_command->callback([&program, estimate_options] {
    program.run_with_client({},
                            [&](Session& session) { return estimate(session, *estimate_options); });
  });
}

}  // namespace pixxel_cli
