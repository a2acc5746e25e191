#ifndef PIXXEL_LIST_JOBS_QUERY_HPP_
#define PIXXEL_LIST_JOBS_QUERY_HPP_

/// @file
/// The filters of `PixxelClient::list_jobs`.

#include <string>

namespace pixxel {

/// Filters for listing a workflow's jobs. Empty fields are not sent.
struct ListJobsQuery {
  std::string id;          ///< Only the job with this id.
  std::string status;      ///< Only jobs in this status, like "running".
  std::string created_by;  ///< Only jobs created by this user id.
  std::string created_on;  ///< Only jobs created on this date (ISO 8601, like "2024-05-01").
};

}  // namespace pixxel

#endif  // PIXXEL_LIST_JOBS_QUERY_HPP_
