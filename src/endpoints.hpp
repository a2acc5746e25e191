#ifndef PIXXEL_ENDPOINTS_HPP_
#define PIXXEL_ENDPOINTS_HPP_

// Every API endpoint the SDK calls, and the one way a request to one of them is built. To add
// an endpoint: one constant here, then the steps of CONTRIBUTING.md ("Adding a call").
// Not public API.

#include <initializer_list>
#include <string_view>

#include "pixxel/transport.hpp"
#include "settings.hpp"

namespace pixxel::internal {

// A method and a path whose {placeholders} are filled with ids, one path segment each.
struct Endpoint {
  std::string_view method;
  std::string_view path;
  bool authorized = true;  // false: the request goes without the Authorization header
};

namespace endpoints {
inline constexpr Endpoint kCreateJob{"POST", "/v0/workflows/{workflow_id}/jobs"};
inline constexpr Endpoint kListJobs{"GET", "/v0/workflows/{workflow_id}/jobs"};
inline constexpr Endpoint kGetJob{"GET", "/v0/workflows/{workflow_id}/jobs/{job_id}"};
inline constexpr Endpoint kDownloadJob{"PUT", "/v0/workflows/{workflow_id}/jobs/{job_id}/download"};
inline constexpr Endpoint kDownloadTask{
    "PUT", "/v0/workflows/{workflow_id}/jobs/{job_id}/tasks/{task_id}/download"};
inline constexpr Endpoint kEstimateCost{"GET", "/v0/workflows/{workflow_id}/estimate"};
inline constexpr Endpoint kListWorkflows{"GET", "/v0/workflows"};
inline constexpr Endpoint kGetWorkflow{"GET", "/v0/workflows/{workflow_id}"};
inline constexpr Endpoint kListProjects{"GET", "/v0/projects"};
inline constexpr Endpoint kGetProject{"GET", "/v0/projects/{project_id}"};
// The health check needs no key, so none is sent.
inline constexpr Endpoint kPing{"GET", "/ping", /*authorized=*/false};
}  // namespace endpoints

// A value for a {placeholder} of the path.
struct PathParam {
  std::string_view name;
  std::string_view value;
};

// A query parameter; an empty optional one is not sent. `label` names it in errors (the
// caller's name for it, like "ListJobsQuery::status"); empty: `name`.
struct QueryParam {
  std::string_view name;
  std::string_view value;
  bool required = false;
  std::string_view label = {};
};

// The request for `endpoint`, with the client's headers and limits. Checks every argument
// first and throws InvalidArgumentError, before any I/O: an id must not be empty, "." or ".."
// or hold control characters (so no id can change which endpoint is called), and no query
// value may hold control characters. A placeholder without a value is a programming error
// (std::logic_error).
HttpRequest build_request(const Settings& settings, const Endpoint& endpoint,
                          std::initializer_list<PathParam> path,
                          std::initializer_list<QueryParam> query = {});

// The checks on one id, for the calls that take one without building a request.
void validate_id(std::string_view name, std::string_view id);

}  // namespace pixxel::internal

#endif  // PIXXEL_ENDPOINTS_HPP_
