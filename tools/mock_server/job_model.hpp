// The job state model: a job is stored once, immutable, and every state it shows (status,
// progress, times, logs) is derived from its age when it is read.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "encoding.hpp"

namespace pixxel::mock::detail {

using SteadyClock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;

constexpr std::size_t kTaskCount = 3;
constexpr std::array<const char*, kTaskCount> kTaskNames = {"ingest", "process", "export"};
constexpr std::string_view kFailingWorkflow = "wf-fail";
// What a job costs on a workflow the catalog does not know (jobs are accepted on any id).
constexpr std::int64_t kDefaultJobCost = 30;

struct TaskRecord {
  std::string id;
  std::string name;
  std::string block_id;
};

// A job is queued for the first 10% of its duration, then its tasks run one after another,
// each for an equal share of the rest. A job with validation errors never runs: it is failed
// from the start, without tasks.
struct JobRecord {
  using microseconds = std::chrono::microseconds;

  std::string id;
  std::string workflow_id;
  std::string project_id;
  SteadyClock::time_point created;
  SystemClock::time_point created_wall;
  microseconds duration{0};
  bool fails = false;
  std::int64_t cost = kDefaultJobCost;
  json val_errors = json::array();
  std::array<TaskRecord, kTaskCount> tasks;

  bool rejected() const { return !val_errors.empty(); }

  microseconds queue_time() const { return duration / 10; }
  microseconds slot() const {
    return (duration - queue_time()) / static_cast<std::int64_t>(kTaskCount);
  }
  microseconds task_start(std::size_t i) const {
    return queue_time() + slot() * static_cast<std::int64_t>(i);
  }
  bool task_fails(std::size_t i) const { return fails && i + 1 == kTaskCount; }
  // The failing task gives up halfway through its share.
  microseconds task_end(std::size_t i) const {
    return task_start(i) + (task_fails(i) ? slot() / 2 : slot());
  }
  microseconds finish() const { return rejected() ? microseconds{0} : task_end(kTaskCount - 1); }
  SystemClock::time_point wall(microseconds offset) const {
    return created_wall + std::chrono::duration_cast<SystemClock::duration>(offset);
  }
  std::string timestamp(microseconds offset) const;
  microseconds age(SteadyClock::time_point now) const {
    return std::max(microseconds{0}, std::chrono::duration_cast<microseconds>(now - created));
  }

  std::string task_status(std::size_t i, microseconds age) const;
  int task_progress(std::size_t i, microseconds age) const;
  std::string status(microseconds age) const;
  int progress(microseconds age) const;
};

// The Job object of the API at `now`; `summary` is the list form, without tasks, spec and
// val_errors.
json render_job(const JobRecord& job, SteadyClock::time_point now, bool summary);

}  // namespace pixxel::mock::detail
