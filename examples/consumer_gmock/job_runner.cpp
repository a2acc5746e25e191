#include "job_runner.hpp"

#include <chrono>

std::string run_workflow(pixxel::PixxelClient& client, const std::string& workflow_id,
                         const std::string& project_id) {
  const pixxel::Job created = client.create_job(workflow_id, project_id);
  pixxel::WaitOptions wait;
  wait.poll_interval = std::chrono::milliseconds(1);
  wait.max_poll_interval = std::chrono::milliseconds(1);
  const pixxel::Job done = client.wait_for_job(workflow_id, created.id, wait);
  std::string report = done.id + ": " + done.status;
  if (done.status == "completed") {
    report += ", archive " + client.download_job(workflow_id, done.id).status;
  }
  return report;
}
