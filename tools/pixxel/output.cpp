#include "output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "text_util.hpp"

namespace pixxel_cli {
namespace {

std::string or_dash(std::string text) { return text.empty() ? "-" : text; }

std::string format_percent(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, value == std::floor(value) ? "%.0f%%" : "%.1f%%", value);
  return buffer;
}

std::string job_progress(const pixxel::Job& job) {
  if (auto progress = pixxel::parse_progress(job.progress)) return format_percent(*progress);
  return or_dash(printable(job.progress));
}

double job_fraction(const pixxel::Job& job) {
  return pixxel::parse_progress(job.progress).value_or(0) / 100;
}

// The task that is running now, if any.
const pixxel::Task* running_task(const pixxel::Job& job) {
  for (const auto& task : job.tasks) {
    if (iequals(task.status, "running")) return &task;
  }
  return nullptr;
}

std::string bar(double fraction, std::size_t width) {
  const auto filled = static_cast<std::size_t>(
      std::lround(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(width)));
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

// Columns separated by two spaces, each as wide as its widest cell; the last is not padded.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                 const std::string& indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

std::size_t terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

bool is_failed_status(std::string_view status) {
  static constexpr std::array<std::string_view, 7> kFailed = {
      "failed", "failure", "error", "cancelled", "canceled", "aborted", "rejected"};
  return std::any_of(kFailed.begin(), kFailed.end(),
                     [&](std::string_view failed) { return iequals(status, failed); });
}

std::string format_time_taken(std::string_view time_taken) {
  if (time_taken.empty()) return "-";
  const auto duration = pixxel::parse_duration(time_taken);
  if (!duration || duration->count() < 0) return printable(time_taken);
  const double seconds = std::chrono::duration<double>(*duration).count();
  char buffer[64];
  if (seconds < 1) {
    std::snprintf(buffer, sizeof buffer, "%.0fms", seconds * 1000);
  } else if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1fs", seconds);
  } else {
    const auto whole = static_cast<long long>(seconds);
    if (whole < 3600) {
      std::snprintf(buffer, sizeof buffer, "%lldm%02llds", whole / 60, whole % 60);
    } else {
      std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", whole / 3600, whole % 3600 / 60);
    }
  }
  return buffer;
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 4> kUnits = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, kUnits[unit]);
  return buffer;
}

void print_job(std::ostream& out, const pixxel::Job& job) {
  out << "job " << printable(job.id) << " (workflow " << printable(job.workflow_id)
      << "): " << or_dash(printable(job.status)) << ", " << job_progress(job) << ", cost "
      << job.cost << ", created " << or_dash(printable(job.created_at)) << ", took "
      << format_time_taken(job.time_taken) << "\n";
  if (!job.tasks.empty()) {
    std::vector<std::vector<std::string>> rows = {
        {"TASK", "STATUS", "PROGRESS", "TIME TAKEN", "ID"}};
    for (const auto& task : job.tasks) {
      rows.push_back({or_dash(printable(task.name)), or_dash(printable(task.status)),
                      format_percent(task.progress), format_time_taken(task.time_taken),
                      or_dash(printable(task.id))});
    }
    print_table(out, rows, "  ");
  }
  for (const auto& task : job.tasks) {
    if (task.err_msg.empty()) continue;
    out << "  error in task " << printable(task.name.empty() ? task.id : task.name);
    if (!task.failure_type.empty()) out << " (" << printable(task.failure_type) << ")";
    out << ": " << printable(task.err_msg) << "\n";
  }
  print_val_errors(out, job.val_errors);
}

void print_job_list(std::ostream& out, const std::vector<pixxel::Job>& jobs) {
  std::vector<std::vector<std::string>> rows = {{"ID", "STATUS", "PROGRESS", "CREATED AT"}};
  for (const auto& job : jobs) {
    rows.push_back({or_dash(printable(job.id)), or_dash(printable(job.status)), job_progress(job),
                    or_dash(printable(job.created_at))});
  }
  print_table(out, rows, "");
}

void print_val_errors(std::ostream& out, const std::vector<pixxel::ValError>& errors) {
  if (errors.empty()) return;
  out << "validation errors:\n";
  for (const auto& error : errors) {
    out << "  " << or_dash(printable(error.component_name)) << ": " << printable(error.err);
    if (!error.reason.empty()) out << " (" << printable(error.reason) << ")";
    if (!error.from.empty() || !error.to.empty()) {
      out << " [" << printable(error.from) << " -> " << printable(error.to) << "]";
    }
    out << "\n";
  }
}

void print_project(std::ostream& out, const pixxel::Project& project) {
  out << "project " << printable(project.id) << " (" << or_dash(printable(project.name))
      << "): " << or_dash(printable(project.title)) << "\n";
  print_table(out,
              {{"workspace", or_dash(printable(project.org_id))},
               {"members", std::to_string(project.members_count)},
               {"created", or_dash(printable(project.created_at))},
               {"updated", or_dash(printable(project.updated_at))},
               {"description", or_dash(printable(project.description))}},
              "  ");
}

void print_project_list(std::ostream& out, const std::vector<pixxel::Project>& projects) {
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "TITLE", "MEMBERS", "CREATED AT"}};
  for (const auto& p : projects) {
    rows.push_back({or_dash(printable(p.id)), or_dash(printable(p.name)),
                    or_dash(printable(p.title)), std::to_string(p.members_count),
                    or_dash(printable(p.created_at))});
  }
  print_table(out, rows, "");
}

void print_workflow(std::ostream& out, const pixxel::Workflow& workflow) {
  out << "workflow " << printable(workflow.id) << " (project "
      << or_dash(printable(workflow.project_id)) << "): " << or_dash(printable(workflow.name))
      << "\n";
  print_table(
      out,
      {{"estimated cost", std::to_string(workflow.estimated_cost) + " tokens"},
       {"valid", workflow.val_errors.empty()
                     ? std::string("yes")
                     : "no, " + std::to_string(workflow.val_errors.size()) + " validation error" +
                           (workflow.val_errors.size() == 1 ? "" : "s")},
       {"created by", or_dash(printable(workflow.created_by))},
       {"created", or_dash(printable(workflow.created_at))},
       {"updated", or_dash(printable(workflow.updated_at))},
       {"description", or_dash(printable(workflow.description))}},
      "  ");
  print_val_errors(out, workflow.val_errors);
}

void print_workflow_list(std::ostream& out, const std::vector<pixxel::WorkflowSummary>& workflows) {
  std::vector<std::vector<std::string>> rows = {{"ID", "PROJECT", "NAME", "CREATED AT"}};
  for (const auto& w : workflows) {
    rows.push_back({or_dash(printable(w.id)), or_dash(printable(w.project_id)),
                    or_dash(printable(w.name)), or_dash(printable(w.created_at))});
  }
  print_table(out, rows, "");
}

void StatusLine::show(const std::string& line) {
  if (!terminal_) return;
  // Longer than the terminal is wide, the line would wrap and '\r' could not redraw it.
  std::string text = line.substr(0, terminal_width() - 1);
  std::string out = "\r" + text;
  if (text.size() < shown_.size()) out += std::string(shown_.size() - text.size(), ' ');
  std::cerr << out << std::flush;
  shown_ = text.empty() ? " " : text;
}

void StatusLine::clear() {
  if (!shown_.empty()) std::cerr << "\r" << std::string(shown_.size(), ' ') << "\r";
}

void StatusLine::message(const std::string& text) {
  clear();
  std::cerr << text << "\n";
  if (!shown_.empty()) std::cerr << shown_;
  std::cerr << std::flush;
}

void StatusLine::finish() {
  if (shown_.empty()) return;
  std::cerr << "\n" << std::flush;
  shown_.clear();
}

void JobProgress::update(const pixxel::Job& job) {
  const pixxel::Task* task = running_task(job);
  std::string task_text;
  if (task != nullptr) {
    task_text = printable(task->name.empty() ? task->id : task->name) + " " +
                format_percent(task->progress);
  }
  const std::string status = or_dash(printable(job.status));
  if (line_.terminal()) {
    line_.show(status + " " + bar(job_fraction(job), 24) + " " + job_progress(job) +
               (task_text.empty() ? "" : "  " + task_text));
    return;
  }
  // One line per change of status, progress or running task; not one per poll.
  const std::string key = status + "\n" + job.progress + "\n" + (task ? task->name : "");
  if (key == last_) return;
  last_ = key;
  line_.message("job " + printable(job.id) + ": " + status + ", " + job_progress(job) +
                (task_text.empty() ? "" : " (" + task_text + ")"));
}

void DownloadProgressView::update(const pixxel::DownloadProgress& progress) {
  const double fraction = progress.total > 0 ? static_cast<double>(progress.received) /
                                                   static_cast<double>(progress.total)
                                             : 0.0;
  if (line_.terminal()) {
    std::string text = "downloading " + bar(fraction, 24) + " " + format_bytes(progress.received);
    if (progress.total > 0) {
      text += " of " + format_bytes(progress.total) + " (" +
              format_percent(std::floor(fraction * 100)) + ")";
    }
    line_.show(text);
    return;
  }
  const int quarter = progress.total > 0 ? static_cast<int>(fraction * 4) : 0;
  if (quarter == last_quarter_) return;
  last_quarter_ = quarter;
  line_.message("downloading to " + path_ + ": " + format_bytes(progress.received) +
                (progress.total > 0 ? " of " + format_bytes(progress.total) : ""));
}

}  // namespace pixxel_cli
