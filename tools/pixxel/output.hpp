#ifndef PIXXEL_CLI_OUTPUT_HPP_
#define PIXXEL_CLI_OUTPUT_HPP_

// What pixxel shows: jobs and tasks as text, and progress on stderr while it waits.

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "pixxel/pixxel.hpp"
#include "text_util.hpp"

namespace pixxel_cli {

// True for the statuses in which a job or task ended without success.
bool is_failed_status(std::string_view status);

// "540ms", "12.3s", "2m03s", "1h02m"; `time_taken` as sent when it cannot be read, "-" when
// empty.
std::string format_time_taken(std::string_view time_taken);
std::string format_bytes(std::uint64_t bytes);

// The job line, its tasks as a table, and its validation and task errors.
void print_job(std::ostream& out, const pixxel::Job& job);
// One line per job: id, status, progress, created_at.
void print_job_list(std::ostream& out, const std::vector<pixxel::Job>& jobs);

// "validation errors:" and one line per error; nothing when there are none.
void print_val_errors(std::ostream& out, const std::vector<pixxel::ValError>& errors);

// A project's line and its details.
void print_project(std::ostream& out, const pixxel::Project& project);
// One line per project: id, name, title, members, created_at.
void print_project_list(std::ostream& out, const std::vector<pixxel::Project>& projects);

// A workflow's line, its details (estimated cost, validity) and its validation errors.
void print_workflow(std::ostream& out, const pixxel::Workflow& workflow);
// One line per workflow: id, project, name, created_at.
void print_workflow_list(std::ostream& out, const std::vector<pixxel::WorkflowSummary>& workflows);

// stderr, as pixxel uses it. On a terminal one status line can be shown at the bottom
// and redrawn in place with '\r'; messages printed meanwhile go above it.
class StatusLine {
 public:
  explicit StatusLine(bool terminal) : terminal_(terminal) {}
  ~StatusLine() { finish(); }
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  bool terminal() const { return terminal_; }
  // Replaces the status line (terminal only).
  void show(const std::string& line);
  // Prints one line of text, above the status line if one is shown.
  void message(const std::string& text);
  // Ends the status line, leaving it on screen.
  void finish();

 private:
  void clear();

  bool terminal_;
  std::string shown_;
};

// Shows a job's progress while pixxel waits for it: on a terminal a redrawn bar,
// otherwise one line per change of status, progress or running task.
class JobProgress {
 public:
  explicit JobProgress(StatusLine& line) : line_(line) {}
  void update(const pixxel::Job& job);

 private:
  StatusLine& line_;
  std::string last_;
};

// Shows how much of a download has arrived.
class DownloadProgressView {
 public:
  DownloadProgressView(StatusLine& line, std::string path) : line_(line), path_(std::move(path)) {}
  void update(const pixxel::DownloadProgress& progress);

 private:
  StatusLine& line_;
  std::string path_;
  int last_quarter_ = -1;
};

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_OUTPUT_HPP_
