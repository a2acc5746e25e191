#include "pixxel/models.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "decode/decode.hpp"

namespace pixxel {
namespace {

// from_json is the decoder of answer bodies (decode/decoder.cpp) fed from a caller's value:
// the same tables, rules, errors and paths.

using json = nlohmann::json;

// Raw-byte fields ---------------------------------------------------------------------------

std::optional<std::vector<std::uint8_t>> bytes_from_array(const json::array_t& array) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(array.size());
  for (const json& element : array) {
    if (element.is_number_unsigned()) {
      const auto u = element.get<json::number_unsigned_t>();
      if (u > 255) return std::nullopt;
      bytes.push_back(static_cast<std::uint8_t>(u));
    } else if (element.is_number_integer()) {
      const auto n = element.get<json::number_integer_t>();
      if (n < 0 || n > 255) return std::nullopt;
      bytes.push_back(static_cast<std::uint8_t>(n));
    } else {
      return std::nullopt;
    }
  }
  return bytes;
}

// The 6-bit value of a base64 character in either the standard or the URL-safe alphabet,
// or -1.
int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::optional<std::vector<std::uint8_t>> bytes_from_base64(std::string_view text) {
  std::size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 2 || (padding > 0 && text.size() % 4 != 0)) return std::nullopt;
  const std::string_view data = text.substr(0, text.size() - padding);
  if (data.size() % 4 == 1) return std::nullopt;

  std::vector<std::uint8_t> bytes;
  bytes.reserve(data.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char c : data) {
    const int value = base64_value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      bytes.push_back(static_cast<std::uint8_t>((bits >> bit_count) & 0xFF));
    }
  }
  return bytes;
}

auto fields(const BlockInfo& v) { return std::tie(v.id, v.name, v.version); }

auto fields(const ValError& v) { return std::tie(v.from, v.to, v.err, v.reason, v.component_name); }

auto fields(const Task& v) {
  return std::tie(v.id, v.info_logs, v.created_at, v.updated_at, v.finished_at,
                  v.estimated_time_duration, v.time_taken, v.status, v.state_msg, v.inputs,
                  v.result, v.depends_on, v.name, v.progress, v.disclaimer, v.recv_time,
                  v.send_time, v.block_inf_start_time, v.block_inf_end_time, v.block_info,
                  v.err_msg, v.failure_type);
}

auto fields(const Job& v) {
  return std::tie(v.created_by, v.status, v.time_taken, v.id, v.tasks, v.val_errors, v.spec, v.cost,
                  v.workflow_id, v.updated_at, v.finished_at, v.exec_created_at, v.exec_updated_at,
                  v.created_at, v.estimated_duration, v.progress);
}

auto fields(const DownloadLink& v) {
  return std::tie(v.id, v.status, v.signed_url, v.workflow_id, v.job_id);
}

auto fields(const CostEstimate& v) { return std::tie(v.estimated_cost); }

auto fields(const WorkflowSummary& v) {
  return std::tie(v.id, v.project_id, v.legacy_project_id, v.name, v.created_by, v.description,
                  v.created_at, v.updated_at);
}

auto fields(const Workflow& v) {
  return std::tie(v.id, v.estimated_cost, v.name, v.created_by, v.description, v.spec, v.created_at,
                  v.updated_at, v.val_errors, v.project_id);
}

auto fields(const Pagination& v) { return std::tie(v.limit, v.offset, v.total); }

auto fields(const WorkflowPage& v) { return std::tie(v.workflows, v.pagination); }

auto fields(const Project& v) {
  return std::tie(v.id, v.name, v.title, v.org_id, v.description, v.members_count, v.created_at,
                  v.updated_at, v.metadata);
}

auto fields(const ProjectPage& v) { return std::tie(v.projects, v.total); }

}  // namespace

bool operator==(const BlockInfo& a, const BlockInfo& b) { return fields(a) == fields(b); }
bool operator==(const ValError& a, const ValError& b) { return fields(a) == fields(b); }
bool operator==(const Task& a, const Task& b) { return fields(a) == fields(b); }
bool operator==(const Job& a, const Job& b) { return fields(a) == fields(b); }
bool operator==(const DownloadLink& a, const DownloadLink& b) { return fields(a) == fields(b); }
bool operator==(const CostEstimate& a, const CostEstimate& b) { return fields(a) == fields(b); }
bool operator==(const WorkflowSummary& a, const WorkflowSummary& b) {
  return fields(a) == fields(b);
}
bool operator==(const Workflow& a, const Workflow& b) { return fields(a) == fields(b); }
bool operator==(const Pagination& a, const Pagination& b) { return fields(a) == fields(b); }
bool operator==(const WorkflowPage& a, const WorkflowPage& b) { return fields(a) == fields(b); }
bool operator==(const Project& a, const Project& b) { return fields(a) == fields(b); }
bool operator==(const ProjectPage& a, const ProjectPage& b) { return fields(a) == fields(b); }

void to_json(nlohmann::json& j, const BlockInfo& v) {
  j = json{{"id", v.id}, {"name", v.name}, {"version", v.version}};
}

void from_json(const nlohmann::json& j, BlockInfo& v) { v = internal::decode_value<BlockInfo>(j); }

void to_json(nlohmann::json& j, const ValError& v) {
  j = json{{"from", v.from},
           {"to", v.to},
           {"err", v.err},
           {"reason", v.reason},
           {"component_name", v.component_name}};
}

void from_json(const nlohmann::json& j, ValError& v) { v = internal::decode_value<ValError>(j); }

void to_json(nlohmann::json& j, const Task& v) {
  j = json{{"id", v.id},
           {"info_logs", v.info_logs},
           {"created_at", v.created_at},
           {"updated_at", v.updated_at},
           {"finished_at", v.finished_at},
           {"estimated_time_duration", v.estimated_time_duration},
           {"time_taken", v.time_taken},
           {"status", v.status},
           {"state_msg", v.state_msg},
           {"inputs", v.inputs},
           {"result", v.result},
           {"depends_on", v.depends_on},
           {"name", v.name},
           {"progress", v.progress},
           {"disclaimer", v.disclaimer},
           {"recv_time", v.recv_time},
           {"send_time", v.send_time},
           {"block_inf_start_time", v.block_inf_start_time},
           {"block_inf_end_time", v.block_inf_end_time},
           {"block_info", v.block_info},
           {"err_msg", v.err_msg},
           {"failure_type", v.failure_type}};
}

void from_json(const nlohmann::json& j, Task& v) { v = internal::decode_value<Task>(j); }

void to_json(nlohmann::json& j, const Job& v) {
  j = json{{"created_by", v.created_by},
           {"status", v.status},
           {"time_taken", v.time_taken},
           {"id", v.id},
           {"tasks", v.tasks},
           {"val_errors", v.val_errors},
           {"spec", v.spec},
           {"cost", v.cost},
           {"workflow_id", v.workflow_id},
           {"updated_at", v.updated_at},
           {"finished_at", v.finished_at},
           {"exec_created_at", v.exec_created_at},
           {"exec_updated_at", v.exec_updated_at},
           {"created_at", v.created_at},
           {"estimated_duration", v.estimated_duration},
           {"progress", v.progress}};
}

void from_json(const nlohmann::json& j, Job& v) { v = internal::decode_value<Job>(j); }

void to_json(nlohmann::json& j, const DownloadLink& v) {
  j = json{{"id", v.id},
           {"status", v.status},
           {"signed_url", v.signed_url},
           {"workflow_id", v.workflow_id},
           {"job_id", v.job_id}};
}

void from_json(const nlohmann::json& j, DownloadLink& v) {
  v = internal::decode_value<DownloadLink>(j);
}

void to_json(nlohmann::json& j, const CostEstimate& v) {
  j = json{{"estimated_cost", v.estimated_cost}};
}

void from_json(const nlohmann::json& j, CostEstimate& v) {
  v = internal::decode_value<CostEstimate>(j);
}

void to_json(nlohmann::json& j, const WorkflowSummary& v) {
  j = json{{"id", v.id},
           {"project_id", v.project_id},
           {"legacy_project_id", v.legacy_project_id},
           {"name", v.name},
           {"created_by", v.created_by},
           {"description", v.description},
           {"created_at", v.created_at},
           {"updated_at", v.updated_at}};
}

void from_json(const nlohmann::json& j, WorkflowSummary& v) {
  v = internal::decode_value<WorkflowSummary>(j);
}

void to_json(nlohmann::json& j, const Workflow& v) {
  j = json{{"id", v.id},
           {"estimated_cost", v.estimated_cost},
           {"name", v.name},
           {"created_by", v.created_by},
           {"description", v.description},
           {"spec", v.spec},
           {"created_at", v.created_at},
           {"updated_at", v.updated_at},
           {"val_errors", v.val_errors},
           {"project_id", v.project_id}};
}

void from_json(const nlohmann::json& j, Workflow& v) { v = internal::decode_value<Workflow>(j); }

void to_json(nlohmann::json& j, const Pagination& v) {
  j = json{{"limit", v.limit}, {"offset", v.offset}, {"total", v.total}};
}

void from_json(const nlohmann::json& j, Pagination& v) {
  v = internal::decode_value<Pagination>(j);
}

void to_json(nlohmann::json& j, const WorkflowPage& v) {
  j = json{{"workflows", v.workflows}, {"pagination", v.pagination}};
}

void from_json(const nlohmann::json& j, WorkflowPage& v) {
  v = internal::decode_value<WorkflowPage>(j);
}

void to_json(nlohmann::json& j, const Project& v) {
  j = json{{"id", v.id},
           {"name", v.name},
           {"title", v.title},
           {"org_id", v.org_id},
           {"description", v.description},
           {"members_count", v.members_count},
           {"created_at", v.created_at},
           {"updated_at", v.updated_at},
           {"metadata", v.metadata}};
}

void from_json(const nlohmann::json& j, Project& v) { v = internal::decode_value<Project>(j); }

void to_json(nlohmann::json& j, const ProjectPage& v) {
  j = json{{"projects", v.projects}, {"count", v.total}};
}

void from_json(const nlohmann::json& j, ProjectPage& v) {
  v = internal::decode_value<ProjectPage>(j);
}

std::optional<std::vector<std::uint8_t>> raw_bytes(const nlohmann::json& value) {
  if (const auto* array = value.get_ptr<const json::array_t*>()) return bytes_from_array(*array);
  if (const auto* text = value.get_ptr<const std::string*>()) return bytes_from_base64(*text);
  return std::nullopt;
}

}  // namespace pixxel
