// pixxel jobs create|get|list|wait|download.
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

int Cli::create(bool max_cost_given) {
  if (max_cost_given) {
    const std::int64_t cost = client_->estimate_cost(args_.workflow).estimated_cost;
    const std::string figures = std::to_string(cost) + " tokens";
    const std::string limit = "--max-cost " + std::to_string(args_.max_cost);
    if (cost > args_.max_cost) {
      return fail(pixxel_examples::kOverBudget, "over_budget",
                  "the estimated cost of workflow " + pixxel_jobs::printable(args_.workflow) +
                      " is " + figures + ", above " + limit + "; no job was created");
    }
    line_.message(std::string(kProgram) + ": estimated cost " + figures + ", within " + limit);
  }
  pixxel::Job job = client_->create_job(args_.workflow, args_.project);
  if (!args_.wait) return print(job);
  line_.message(std::string(kProgram) + ": created job " + pixxel_jobs::printable(job.id) +
                ", waiting for it");
  return finish(wait_for(job.id, &job, wait_deadline()));
}

int Cli::get() { return print(client_->get_job(args_.workflow, args_.job)); }

int Cli::list() {
  const std::vector<pixxel::Job> jobs = client_->list_jobs(args_.workflow, args_.query);
  if (args_.json) {
    print_answer();
  } else if (jobs.empty()) {
    line_.message(std::string(kProgram) + ": no jobs found");
  } else {
    pixxel_jobs::print_job_list(std::cout, jobs);
  }
  return pixxel_examples::kOk;
}

int Cli::wait() { return finish(wait_for(args_.job, nullptr, wait_deadline())); }

int Cli::download() {
  const std::string path = output_path();
  std::error_code error;
  if (!args_.force && std::filesystem::exists(path, error)) {
    throw pixxel::InvalidArgumentError("\"" + path + "\" exists; pass --force to replace it");
  }
  // With --wait the job may take as long as it needs; without, a job that is still running
  // is waited for only up to kDefaultArchiveWait.
  std::optional<Clock::time_point> deadline = wait_deadline();
  if (!deadline && !args_.wait) deadline = Clock::now() + kDefaultArchiveWait;

  std::optional<pixxel::Job> job;
  if (args_.wait) job = wait_for(args_.job, nullptr, deadline);
  std::string task_id = args_.task;
  if (!task_id.empty()) {
    if (!job) job = client_->get_job(args_.workflow, args_.job);
    task_id = resolve_task(*job, task_id);
  }
  if (job && pixxel::is_terminal_status(job->status)) {
    if (auto failed = check_failed(*job, task_id)) return *failed;
  }

  pixxel::DownloadLink link = ask_for_link(task_id);
  if (!iequals(link.status, "ready")) {
    // The archive exists only once the job (or the task) has ended.
    if (!job || !pixxel::is_terminal_status(job->status)) {
      job = client_->get_job(args_.workflow, args_.job);
    }
    if (!pixxel::is_terminal_status(job->status)) {
      line_.message(std::string(kProgram) + ": job " + pixxel_jobs::printable(job->id) +
                    " has not ended yet (status \"" + pixxel_jobs::printable(job->status) +
                    "\"); waiting for it");
      job = wait_for(args_.job, &*job, deadline);
      if (auto failed = check_failed(*job, task_id)) return *failed;
      link = ask_for_link(task_id);
    }
    link = wait_for_archive(std::move(link), task_id,
                            deadline.value_or(Clock::now() + kDefaultArchiveWait));
  }

  pixxel_jobs::DownloadProgressView view(line_, path);
  pixxel::SaveOptions save;
  save.overwrite = args_.force;
  save.on_progress = [&](const pixxel::DownloadProgress& progress) { view.update(progress); };
  const std::uint64_t bytes = client_->save_download(link, path, save);
  line_.finish();

  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  const std::string where = error ? path : absolute.string();
  if (args_.json) {
    // No API answer is the file: the path and size, and the link's answer as received.
    std::cout << "{\"path\": "
              << nlohmann::json(where).dump(-1, ' ', false,
                                            nlohmann::json::error_handler_t::replace)
              << ", \"bytes\": " << bytes << ", \"link\": " << answer_body() << "}\n";
  } else {
    std::cout << "saved " << pixxel_jobs::format_bytes(bytes) << " to " << where << "\n";
  }
  return pixxel_examples::kOk;
}

std::string Cli::output_path() const {
  if (!args_.output.empty()) return args_.output;
  return file_name_part(args_.job) + (args_.task.empty() ? "" : "-" + file_name_part(args_.task)) +
         ".zip";
}

// --task takes a task's id or its name.
std::string Cli::resolve_task(const pixxel::Job& job, const std::string& task) {
  for (const auto& t : job.tasks) {
    if (t.id == task) return t.id;
  }
  for (const auto& t : job.tasks) {
    if (t.name == task) return t.id;
  }
  return task;  // unknown here: the server says what it makes of it
}

// kJobFailed, after printing the job, when the job (or the task) whose archive is wanted
// ended without success: its archive will never be ready.
std::optional<int> Cli::check_failed(const pixxel::Job& job, const std::string& task_id) {
  if (task_id.empty()) {
    if (!pixxel_jobs::is_failed_status(job.status)) return std::nullopt;
    return finish(job);
  }
  for (const auto& task : job.tasks) {
    if (task.id != task_id || !pixxel_jobs::is_failed_status(task.status)) continue;
    print(job);
    return fail(pixxel_examples::kJobFailed, "job_failed",
                "task " + pixxel_jobs::printable(task.name) + " (" +
                    pixxel_jobs::printable(task.id) + ") ended with status " +
                    pixxel_jobs::printable(task.status));
  }
  return std::nullopt;
}

pixxel::DownloadLink Cli::ask_for_link(const std::string& task_id) {
  return task_id.empty() ? client_->download_job(args_.workflow, args_.job)
                         : client_->download_task(args_.workflow, args_.job, task_id);
}

// Asks for the link again until the archive is ready, up to `deadline`.
pixxel::DownloadLink Cli::wait_for_archive(pixxel::DownloadLink link, const std::string& task_id,
                                           Clock::time_point deadline) {
  milliseconds pause = poll_interval();
  bool announced = false;
  while (!iequals(link.status, "ready")) {
    const std::string status = pixxel_jobs::printable(link.status);
    if (pixxel_jobs::is_failed_status(link.status)) {
      throw pixxel::Error("the archive cannot be made (status \"" + status + "\")");
    }
    if (!announced) {
      line_.message(std::string(kProgram) + ": the archive is not ready yet (status \"" + status +
                    "\"); waiting for it");
      announced = true;
    }
    if (Clock::now() + pause > deadline) {
      throw pixxel::TimeoutError("the archive was still not ready (status \"" + status +
                                 "\"); try again later");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause + pause / 2, std::max(poll_interval(), kMaxPollInterval));
    link = ask_for_link(task_id);
  }
  return link;
}

}  // namespace pixxel_cli
