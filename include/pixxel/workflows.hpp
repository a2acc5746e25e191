#ifndef PIXXEL_WORKFLOWS_HPP_
#define PIXXEL_WORKFLOWS_HPP_

/// @file
/// Workflows: what `PixxelClient::list_workflows`, `get_workflow` and `estimate_cost` answer,
/// and the filters of a workflow listing.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pixxel/export.hpp"
#include "pixxel/jobs.hpp"  // ValError

namespace pixxel {

/// What running a workflow is expected to cost: `PixxelClient::estimate_cost`.
struct CostEstimate {
  std::int64_t estimated_cost = 0;  ///< Tokens (credits).

  PIXXEL_EXPORT friend bool operator==(const CostEstimate& a, const CostEstimate& b);
  friend bool operator!=(const CostEstimate& a, const CostEstimate& b) { return !(a == b); }
};

/// A workflow as a listing shows it (no spec, cost or validation errors; `get_workflow` has
/// them). Timestamps are kept as sent; read them with `parse_timestamp()`.
struct WorkflowSummary {
  std::string id;
  std::string project_id;
  std::string legacy_project_id;  ///< The project's id in Pixxel's legacy systems.
  std::string name;
  std::string created_by;
  std::string description;
  std::string created_at;
  std::string updated_at;

  PIXXEL_EXPORT friend bool operator==(const WorkflowSummary& a, const WorkflowSummary& b);
  friend bool operator!=(const WorkflowSummary& a, const WorkflowSummary& b) { return !(a == b); }
};

/// A workflow in full: `PixxelClient::get_workflow`.
///
/// `spec` keeps whatever JSON value the server sent (the docs type it as raw bytes: an
/// integer array, a base64 string or embedded JSON); `raw_bytes()` turns it into bytes.
struct Workflow {
  std::string id;
  std::int64_t estimated_cost = 0;  ///< Tokens a job of this workflow is expected to cost.
  std::string name;
  std::string created_by;
  std::string description;
  nlohmann::json spec;
  std::string created_at;
  std::string updated_at;
  std::vector<ValError> val_errors;  ///< What makes the workflow invalid; empty when valid.
  std::string project_id;

  PIXXEL_EXPORT friend bool operator==(const Workflow& a, const Workflow& b);
  friend bool operator!=(const Workflow& a, const Workflow& b) { return !(a == b); }
};

/// Where a page of a listing lies in the whole: `total` items, of which the page holds up
/// to `limit` from `offset` on.
struct Pagination {
  std::int64_t limit = 0;
  std::int64_t offset = 0;
  std::int64_t total = 0;

  PIXXEL_EXPORT friend bool operator==(const Pagination& a, const Pagination& b);
  friend bool operator!=(const Pagination& a, const Pagination& b) { return !(a == b); }
};

/// One page of workflows: `PixxelClient::list_workflows`.
struct WorkflowPage {
  std::vector<WorkflowSummary> workflows;
  Pagination pagination;

  PIXXEL_EXPORT friend bool operator==(const WorkflowPage& a, const WorkflowPage& b);
  friend bool operator!=(const WorkflowPage& a, const WorkflowPage& b) { return !(a == b); }
};

/// Filters and the page of `PixxelClient::list_workflows`. Empty strings are not sent;
/// `offset` and `limit` always are.
struct ListWorkflowsQuery {
  std::string project_id;   ///< Only the workflows of this project.
  std::string id;           ///< Only the workflow with this id.
  std::string name;         ///< Only workflows with this name.
  std::string created_by;   ///< Only workflows created by this user id.
  std::string created_on;   ///< Only workflows created on this date (ISO 8601, "2024-05-01").
  std::string updated_at;   ///< Only workflows last updated on this date (ISO 8601).
  std::int64_t offset = 0;  ///< How many matching workflows to skip; at least 0.
  std::int64_t limit = 50;  ///< The most workflows on the page; at least 1.
};

/// @name JSON adapters
/// As for the job models (see `pixxel/jobs.hpp`): lenient, lossless decoding whose errors
/// name the JSON path; `to_json` writes every documented field.
/// @{
PIXXEL_EXPORT void to_json(nlohmann::json& j, const CostEstimate& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, CostEstimate& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const WorkflowSummary& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, WorkflowSummary& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const Workflow& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, Workflow& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const Pagination& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, Pagination& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const WorkflowPage& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, WorkflowPage& v);
/// @}

}  // namespace pixxel

#endif  // PIXXEL_WORKFLOWS_HPP_
