// pixxel projects list|get.
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <string>

#include "commands.hpp"
#include "session.hpp"

namespace pixxel_cli {

namespace {

int list_projects(Session& session, const pixxel::ListProjectsQuery& query) {
  const pixxel::ProjectPage page = session.client().list_projects(query, session.call());
  if (session.json()) {
    session.print_answer();
    return kOk;
  }
  if (page.projects.empty()) {
    session.say("no projects on page " + std::to_string(query.page_num) + " (" +
                std::to_string(page.total) + " in all)");
    return kOk;
  }
  print_project_list(std::cout, page.projects);
  const std::int64_t size = query.page_size;
  const std::int64_t pages = (page.total + size - 1) / size;
  if (query.page_num < pages) {
    session.say("page " + std::to_string(query.page_num) + " of " + std::to_string(pages) + " (" +
                std::to_string(page.total) + " projects); --page " +
                std::to_string(query.page_num + 1) + " for the next");
  }
  return kOk;
}

int get_project(Session& session, const std::string& project_id) {
  const pixxel::Project project = session.client().get_project(project_id, session.call());
  if (session.json()) {
    session.print_answer();
  } else {
    print_project(std::cout, project);
  }
  return kOk;
}

}  // namespace

void setup_projects_commands(CLI::App& app, Program& program) {
  CLI::App* projects = app.add_subcommand("projects", "List and show projects");
  projects->require_subcommand(1);

  auto query = std::make_shared<pixxel::ListProjectsQuery>();
  CLI::App* list = projects->add_subcommand("list", "List your projects, a page at a time");
  list->add_option("--page", query->page_num, "Which page, from 1")
      ->capture_default_str()
      ->check(whole_number(1, std::numeric_limits<std::int64_t>::max() / 2));
  list->add_option("--page-size", query->page_size, "Projects per page")
      ->capture_default_str()
      ->check(whole_number(1, 1000));
  list->callback([&program, query] {
    program.run_with_client({}, [&](Session& session) { return list_projects(session, *query); });
  });

  auto project = std::make_shared<std::string>();
  CLI::App* get = projects->add_subcommand("get", "Show a project");
  get->add_option("project", *project, "Project id")->required();
  get->callback([&program, project] {
    program.run_with_client({}, [&](Session& session) { return get_project(session, *project); });
  });
}

}  // namespace pixxel_cli
