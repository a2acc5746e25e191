#ifndef PIXXEL_MODELS_WORKFLOWS_SCHEMA_HPP_
#define PIXXEL_MODELS_WORKFLOWS_SCHEMA_HPP_

// The tables of the workflow models (pixxel/workflows.hpp): the one place their JSON keys are
// named (see decode/schema.hpp). Not public API.

#include <string_view>
#include <tuple>

#include "decode/schema.hpp"
#include "models/jobs_schema.hpp"  // ValError
#include "pixxel/workflows.hpp"

namespace pixxel::internal {

template <>
struct Schema<CostEstimate> {
  static constexpr std::tuple fields{
      field<&CostEstimate::estimated_cost>("estimated_cost"),
  };
};

template <>
struct Schema<WorkflowSummary> {
  static constexpr std::string_view identity = "id";
  static constexpr std::tuple fields{
      field<&WorkflowSummary::id>("id"),
      field<&WorkflowSummary::project_id>("project_id"),
      field<&WorkflowSummary::legacy_project_id>("legacy_project_id"),
      field<&WorkflowSummary::name>("name"),
      field<&WorkflowSummary::created_by>("created_by"),
      field<&WorkflowSummary::description>("description"),
      field<&WorkflowSummary::created_at>("created_at"),
      field<&WorkflowSummary::updated_at>("updated_at"),
  };
};

template <>
struct Schema<Workflow> {
  static constexpr std::string_view identity = "id";
  static constexpr std::tuple fields{
      field<&Workflow::id>("id"),
      field<&Workflow::estimated_cost>("estimated_cost"),
      field<&Workflow::name>("name"),
      field<&Workflow::created_by>("created_by"),
      field<&Workflow::description>("description"),
      field<&Workflow::spec>("spec"),
      field<&Workflow::created_at>("created_at"),
      field<&Workflow::updated_at>("updated_at"),
      field<&Workflow::val_errors>("val_errors"),
      field<&Workflow::project_id>("project_id"),
  };
};

template <>
struct Schema<Pagination> {
  static constexpr std::tuple fields{
      field<&Pagination::limit>("limit"),
      field<&Pagination::offset>("offset"),
      field<&Pagination::total>("total"),
  };
};

template <>
struct Schema<WorkflowPage> {
  static constexpr std::tuple fields{
      field<&WorkflowPage::workflows>("workflows"),
      field<&WorkflowPage::pagination>("pagination"),
  };
};

}  // namespace pixxel::internal

#endif  // PIXXEL_MODELS_WORKFLOWS_SCHEMA_HPP_
