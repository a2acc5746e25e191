// The workflow models' adapters and answers. Their fields are named in workflows_schema.hpp
// alone.

#include "pixxel/workflows.hpp"

#include <string_view>

#include "decode/decode.hpp"
#include "models/adapters.hpp"
#include "models/workflows_schema.hpp"

namespace pixxel {

PIXXEL_MODEL_ADAPTERS(CostEstimate)
PIXXEL_MODEL_ADAPTERS(WorkflowSummary)
PIXXEL_MODEL_ADAPTERS(Workflow)
PIXXEL_MODEL_ADAPTERS(Pagination)
PIXXEL_MODEL_ADAPTERS(WorkflowPage)

namespace internal {

CostEstimate decode_cost_estimate(std::string_view body, std::string_view secret) {
  return decode_body<CostEstimate>(body, secret);
}

WorkflowPage decode_workflow_page(std::string_view body, std::string_view secret) {
  return decode_body<WorkflowPage>(body, secret);
}

Workflow decode_workflow(std::string_view body, std::string_view secret) {
  return decode_body<Workflow>(body, secret);
}

}  // namespace internal
}  // namespace pixxel
