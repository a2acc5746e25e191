#ifndef PIXXEL_MODELS_JOBS_SCHEMA_HPP_
#define PIXXEL_MODELS_JOBS_SCHEMA_HPP_

// The tables of the job models (pixxel/jobs.hpp, and DownloadLink of pixxel/download.hpp):
// the one place their JSON keys are named (see decode/schema.hpp). Not public API.

#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "decode/schema.hpp"
#include "pixxel/download.hpp"
#include "pixxel/jobs.hpp"

namespace pixxel::internal {

template <>
struct Schema<BlockInfo> {
  static constexpr std::tuple fields{
      field<&BlockInfo::id>("id"),
      field<&BlockInfo::name>("name"),
      field<&BlockInfo::version>("version"),
  };
};

template <>
struct Schema<ValError> {
  static constexpr std::tuple fields{
      field<&ValError::from>("from"),
      field<&ValError::to>("to"),
      field<&ValError::err>("err"),
      field<&ValError::reason>("reason"),
      field<&ValError::component_name>("component_name"),
  };
};

template <>
struct Schema<Task> {
  static constexpr std::tuple fields{
      field<&Task::id>("id"),
      field<&Task::info_logs>("info_logs"),
      field<&Task::created_at>("created_at"),
      field<&Task::updated_at>("updated_at"),
      field<&Task::finished_at>("finished_at"),
      field<&Task::estimated_time_duration>("estimated_time_duration"),
      field<&Task::time_taken>("time_taken"),
      field<&Task::status>("status"),
      field<&Task::state_msg>("state_msg"),
      field<&Task::inputs>("inputs"),
      field<&Task::result>("result"),
      field<&Task::depends_on>("depends_on"),
      field<&Task::name>("name"),
      field<&Task::progress>("progress"),
      field<&Task::disclaimer>("disclaimer"),
      field<&Task::recv_time>("recv_time"),
      field<&Task::send_time>("send_time"),
      field<&Task::block_inf_start_time>("block_inf_start_time"),
      field<&Task::block_inf_end_time>("block_inf_end_time"),
      field<&Task::block_info>("block_info"),
      field<&Task::err_msg>("err_msg"),
      field<&Task::failure_type>("failure_type"),
  };
};

template <>
struct Schema<Job> {
  static constexpr std::string_view identity = "id";
  static constexpr std::tuple fields{
      field<&Job::created_by>("created_by"),
      field<&Job::status>("status"),
      field<&Job::time_taken>("time_taken"),
      field<&Job::id>("id"),
      field<&Job::tasks>("tasks"),
      field<&Job::val_errors>("val_errors"),
      field<&Job::spec>("spec"),
      field<&Job::cost>("cost"),
      field<&Job::workflow_id>("workflow_id"),
      field<&Job::updated_at>("updated_at"),
      field<&Job::finished_at>("finished_at"),
      field<&Job::exec_created_at>("exec_created_at"),
      field<&Job::exec_updated_at>("exec_updated_at"),
      field<&Job::created_at>("created_at"),
      field<&Job::estimated_duration>("estimated_duration"),
      field<&Job::progress>("progress"),
  };
};

// The body of a job list: {"jobs": [...]}.
struct JobListDraft {
  std::vector<Job> jobs;
};

template <>
struct Schema<JobListDraft> {
  static constexpr std::tuple fields{
      field<&JobListDraft::jobs>("jobs"),
  };
};

template <>
struct Schema<DownloadLink> {
  static constexpr std::string_view identity = "id";
  static constexpr std::tuple fields{
      field<&DownloadLink::id>("id"),
      field<&DownloadLink::status>("status"),
      field<&DownloadLink::signed_url>("signed_url"),
      field<&DownloadLink::workflow_id>("workflow_id"),
      field<&DownloadLink::job_id>("job_id"),
  };
};

// The job answer spells the workflow id `workflowId`, the task answer `workflow_id`; the link
// keeps `workflow_id` unless it is empty, whichever key came first.
struct DownloadLinkDraft : DownloadLink {
  std::string camel_workflow_id;
};

template <>
struct Schema<DownloadLinkDraft> {
  static constexpr std::string_view identity = Schema<DownloadLink>::identity;
  static constexpr auto fields = extend(
      Schema<DownloadLink>::fields,
      spelling<&DownloadLinkDraft::camel_workflow_id, &DownloadLink::workflow_id>("workflowId"));
};

template <>
struct Draft<DownloadLink> {
  using type = DownloadLinkDraft;
  static DownloadLink finish(DownloadLinkDraft&& d) {
    if (d.workflow_id.empty()) d.workflow_id = std::move(d.camel_workflow_id);
    return std::move(static_cast<DownloadLink&>(d));
  }
};

}  // namespace pixxel::internal

#endif  // PIXXEL_MODELS_JOBS_SCHEMA_HPP_
