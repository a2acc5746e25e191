// Creates a job from a workflow and prints what came back.
//
//   PIXXEL_API_KEY=... create_job WORKFLOW_ID PROJECT_ID
//
// PIXXEL_BASE_URL points it elsewhere (for example at pixxel-mock-server). The exit code
// says which kind of error happened (see exit_codes.hpp).

#include <iomanip>
#include <iostream>

#include "exit_codes.hpp"
#include "pixxel/pixxel.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " WORKFLOW_ID PROJECT_ID\n"
              << "The API key comes from PIXXEL_API_KEY, the server from PIXXEL_BASE_URL.\n";
    return pixxel_examples::kUsage;
  }
  try {
    pixxel::PixxelClient client;
    const pixxel::Job job = client.create_job(argv[1], argv[2]);

    std::cout << "job " << job.id << " (workflow " << job.workflow_id << "): " << job.status;
    if (auto progress = pixxel::parse_progress(job.progress)) {
      std::cout << ", " << *progress << "%";
    }
    std::cout << ", cost " << job.cost << " tokens, estimated " << job.estimated_duration << " s\n";
    for (const auto& error : job.val_errors) {
      std::cout << "  validation error in " << error.component_name << ": " << error.err << " "
                << error.reason << "\n";
    }
    std::cout << "  " << std::left << std::setw(20) << "TASK" << std::setw(12) << "STATUS"
              << std::setw(10) << "PROGRESS"
              << "DEPENDS ON\n";
    for (const auto& task : job.tasks) {
      std::string depends;
      for (const auto& id : task.depends_on) depends += (depends.empty() ? "" : ",") + id;
      std::cout << "  " << std::setw(20) << task.name << std::setw(12) << task.status
                << std::setw(10) << task.progress << (depends.empty() ? "-" : depends) << "\n";
    }
    return pixxel_examples::kOk;
  } catch (...) {
    return pixxel_examples::report_current_exception("create_job");
  }
}
