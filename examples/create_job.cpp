// Creates a job from a workflow and prints what came back.
//
//   PIXXEL_API_KEY=... create_job WORKFLOW_ID PROJECT_ID
//
// PIXXEL_BASE_URL points it elsewhere (for example at pixxel-mock-server).

#include <exception>
#include <iomanip>
#include <iostream>

#include "pixxel/pixxel.hpp"

namespace {

// 0: created; 1: the call failed; 2: usage.
constexpr int kFailed = 1;
constexpr int kUsage = 2;

// Tells the user what to do about the current exception; call inside a catch block. Only the
// distinctions a caller acts on: the pixxel CLI (tools/pixxel) maps every class to a code.
int report_current_exception() {
  try {
    throw;
  } catch (const pixxel::ConfigurationError& e) {
    std::cerr << "create_job: " << e.what() << " (set PIXXEL_API_KEY)\n";
  } catch (const pixxel::ApiError& e) {
    // Any non-2xx answer: the server's own words, and its request id for a support ticket.
    std::cerr << "create_job: HTTP " << e.status_code() << ": " << e.message();
    if (!e.request_id().empty()) std::cerr << " (request id " << e.request_id() << ")";
    std::cerr << "\n";
  } catch (const pixxel::TransportError& e) {
    // No answer. A create that was sent may have created a job; look before creating again.
    std::cerr << "create_job: " << e.what() << "\n";
    if (e.request_sent()) {
      std::cerr << "create_job: the request reached the network: list the workflow's jobs "
                   "before trying again\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "create_job: " << e.what() << "\n";
  }
  return kFailed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " WORKFLOW_ID PROJECT_ID\n"
              << "The API key comes from PIXXEL_API_KEY, the server from PIXXEL_BASE_URL.\n";
    return kUsage;
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
    return 0;
  } catch (...) {
    return report_current_exception();
  }
}
