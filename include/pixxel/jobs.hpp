#ifndef PIXXEL_JOBS_HPP_
#define PIXXEL_JOBS_HPP_

/// @file
/// The job models the Pixxel API answers with (jobs, tasks, validation errors, download
/// links), and their JSON adapters. `pixxel/models.hpp` brings every model.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pixxel/download.hpp"  // DownloadLink
#include "pixxel/export.hpp"

namespace pixxel {

/// The processing block a task runs.
struct BlockInfo {
  std::string id;
  std::string name;
  std::string version;

  PIXXEL_EXPORT friend bool operator==(const BlockInfo& a, const BlockInfo& b);
  friend bool operator!=(const BlockInfo& a, const BlockInfo& b) { return !(a == b); }
};

/// A validation error the platform found in a job's workflow, between two components.
struct ValError {
  std::string from;
  std::string to;
  std::string err;
  std::string reason;
  std::string component_name;

  PIXXEL_EXPORT friend bool operator==(const ValError& a, const ValError& b);
  friend bool operator!=(const ValError& a, const ValError& b) { return !(a == b); }
};

/// One task of a job: a block run with its inputs, state and result.
///
/// `inputs`, `result` and `info_logs` keep whatever JSON value the server sent (the docs type
/// them as raw bytes; the server may send an integer array, a base64 string or embedded JSON).
/// Use `raw_bytes()` to turn them into bytes. Timestamps are kept as sent; read them with
/// `parse_timestamp()`.
struct Task {
  std::string id;
  nlohmann::json info_logs;
  std::string created_at;
  std::string updated_at;
  std::string finished_at;
  std::int64_t estimated_time_duration = 0;  ///< Seconds.
  std::string time_taken;
  std::string status;
  std::string state_msg;
  nlohmann::json inputs;
  nlohmann::json result;
  std::vector<std::string> depends_on;  ///< Ids of the tasks that must finish first.
  std::string name;
  double progress = 0;  ///< 0 to 100.
  std::vector<std::string> disclaimer;
  std::string recv_time;
  std::string send_time;
  std::string block_inf_start_time;
  std::string block_inf_end_time;
  BlockInfo block_info;
  std::string err_msg;
  std::string failure_type;

  PIXXEL_EXPORT friend bool operator==(const Task& a, const Task& b);
  friend bool operator!=(const Task& a, const Task& b) { return !(a == b); }
};

/// A job: one run of a workflow, with its tasks and any validation errors.
///
/// `spec` keeps whatever JSON value the server sent (see `Task`). `progress` is the server's
/// completion percentage as text; read it with `parse_progress()`.
struct Job {
  std::string created_by;
  std::string status;
  std::string time_taken;
  std::string id;
  std::vector<Task> tasks;
  std::vector<ValError> val_errors;
  nlohmann::json spec;
  std::int64_t cost = 0;  ///< Token cost.
  std::string workflow_id;
  std::string updated_at;
  std::string finished_at;
  std::string exec_created_at;
  std::string exec_updated_at;
  std::string created_at;
  std::int64_t estimated_duration = 0;  ///< Seconds.
  std::string progress;

  PIXXEL_EXPORT friend bool operator==(const Job& a, const Job& b);
  friend bool operator!=(const Job& a, const Job& b) { return !(a == b); }
};

/// @name JSON adapters
/// Found by argument-dependent lookup, so `j.get<pixxel::Job>()` and
/// `nlohmann::json j = job;` work. Decoding is lenient and lossless:
/// - a missing key or `null` gives the field's default; unknown keys are ignored;
/// - string fields take a string, or a number (kept as its JSON text);
/// - integer fields take an integer, a float (truncated toward zero), or a string holding a
///   number (an empty string counts as not set);
/// - `Task::progress` takes a number or a string holding one, with an optional `%`;
/// - `spec`, `inputs`, `result` and `info_logs` keep whatever JSON value arrived.
///
/// Anything else throws `pixxel::DecodeError`, whose `path()` names the offending value, for
/// example `tasks[3].progress`. `to_json` writes every documented field.
/// @{
PIXXEL_EXPORT void to_json(nlohmann::json& j, const BlockInfo& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, BlockInfo& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const ValError& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, ValError& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const Task& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, Task& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const Job& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, Job& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const DownloadLink& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, DownloadLink& v);
/// @}

/// Turns a raw-bytes field (`Job::spec`, `Task::inputs`, `Task::result`, `Task::info_logs`)
/// into bytes.
///
/// Accepts an array of integers 0..255, or a base64 string (standard or URL-safe alphabet,
/// padding optional). Returns `std::nullopt` for anything else, including `null`.
PIXXEL_EXPORT std::optional<std::vector<std::uint8_t>> raw_bytes(const nlohmann::json& value);

}  // namespace pixxel

#endif  // PIXXEL_JOBS_HPP_
