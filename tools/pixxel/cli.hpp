// The pixxel CLI's commands: what each does once its arguments are parsed (main.cpp builds the
// command line). Shared by the files that define them: cli.cpp (the client, printing and
// waiting), jobs_commands.cpp and catalog_commands.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "output.hpp"
#include "pixxel/pixxel.hpp"
#include "text.hpp"

namespace pixxel_cli {

using pixxel::internal::iequals;
using pixxel_jobs::StatusLine;
using std::chrono::milliseconds;

constexpr const char* kProgram = "pixxel";
constexpr milliseconds kMaxPollInterval{30000};
constexpr std::chrono::seconds kDefaultArchiveWait{300};

using Clock = std::chrono::steady_clock;

struct Arguments {
  // Global options.
  std::string api_key;
  std::string base_url;
  bool json = false;
  bool verbose = false;
  double request_timeout = 0;  // seconds; used only when given
  int retries = 0;             // used only when given
  // Command arguments (each command reads its own).
  std::string workflow;
  std::string job;
  std::string project;
  std::string task;
  std::string output;
  pixxel::ListJobsQuery query;
  pixxel::ListWorkflowsQuery workflows_query;
  pixxel::ListProjectsQuery projects_query;
  bool all = false;
  std::int64_t max_cost = 0;  // used only when given
  bool wait = false;
  bool force = false;
  double poll_interval = 2;
  double wait_timeout = 0;  // seconds; 0: the command's default
};

inline milliseconds to_milliseconds(double seconds) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(seconds));
}

// A file name made of an id: no directories, no control characters.
inline std::string file_name_part(std::string_view id) {
  std::string name = pixxel_jobs::printable(id);
  std::replace(name.begin(), name.end(), '/', '_');
  std::replace(name.begin(), name.end(), '?', '_');
  return name;
}

class Cli {
 public:
  Cli(const Arguments& args, StatusLine& line) : args_(args), line_(line) {}

  void connect(const CLI::Option& request_timeout, const CLI::Option& retries, bool keyless);

  int create(bool max_cost_given);

  int get();

  int list();

  int wait();

  int list_projects();

  int get_project();

  int list_workflows();

  int get_workflow();

  int estimate();

  int ping();

  int download();

 private:
  int print(const pixxel::Job& job);

  // Prints a job that has ended; a failed one gives kJobFailed.
  int finish(const pixxel::Job& job);

  milliseconds poll_interval() const;

  // Now plus --wait-timeout; none when it was not given.
  std::optional<Clock::time_point> wait_deadline() const;

  pixxel::Job wait_for(const std::string& job_id, const pixxel::Job* known,
                       std::optional<Clock::time_point> deadline);

  std::string output_path() const;

  // --task takes a task's id or its name.
  static std::string resolve_task(const pixxel::Job& job, const std::string& task);

  // kJobFailed, after printing the job, when the job (or the task) whose archive is wanted
  // ended without success: its archive will never be ready.
  std::optional<int> check_failed(const pixxel::Job& job, const std::string& task_id);

  pixxel::DownloadLink ask_for_link(const std::string& task_id);

  // Asks for the link again until the archive is ready, up to `deadline`.
  pixxel::DownloadLink wait_for_archive(pixxel::DownloadLink link, const std::string& task_id,
                                        Clock::time_point deadline);

  const Arguments& args_;
  StatusLine& line_;
  std::optional<pixxel::PixxelClient> client_;
};

}  // namespace pixxel_cli
