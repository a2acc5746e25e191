#include "pixxel/connection.hpp"

#include <cstdint>
#include <string>
#include <utility>

#include "connection_impl.hpp"
#include "decode/decode.hpp"
#include "endpoints.hpp"
#include "wait_drivers.hpp"

namespace pixxel {

std::future<Job> Connection::wait_for_job_async(std::string_view, std::string_view,
                                                const WaitOptions&, const CallOptions&) {
  return {};
}

std::uint64_t Connection::save_download(const DownloadLink&, const std::string&, const SaveOptions&,
                                        const CallOptions&) {
  throw UnimplementedError("save_download");
}

const ClientOptions& Connection::options() const {
  static const ClientOptions defaults;
  return defaults;
}

std::shared_ptr<Connection> make_connection(ClientOptions options) {
  return std::make_shared<internal::RealConnection>(std::move(options));
}

namespace internal {

namespace {

// The requests more than one call sends: blocking, asynchronous, and each poll of an
// asynchronous wait.
HttpRequest create_job_request(const Settings& settings, std::string_view workflow_id,
                               std::string_view project_id) {
  return build_request(settings, endpoints::kCreateJob, {{"workflow_id", workflow_id}},
                       {{"project_id", project_id, /*required=*/true}});
}

// A page number, size or offset below `minimum` is the caller's mistake, caught before any I/O.
void check_page(std::string_view name, std::int64_t value, std::int64_t minimum) {
  if (value < minimum) {
    throw InvalidArgumentError(std::string(name) + " must be at least " + std::to_string(minimum) +
                               ", not " + std::to_string(value));
  }
}

HttpRequest get_job_request(const Settings& settings, std::string_view workflow_id,
                            std::string_view job_id) {
  return build_request(settings, endpoints::kGetJob,
                       {{"workflow_id", workflow_id}, {"job_id", job_id}});
}

}  // namespace

CallSpec RealConnection::spec(HttpRequest request, const CallOptions& call) const {
  CallSpec out{std::move(request), settings_.options.retry, nullptr, {}, {}, {}};
  if (call.timeout) {
    if (call.timeout->count() < 0) {
      throw InvalidArgumentError("CallOptions::timeout must not be negative");
    }
    out.request.timeout = *call.timeout;
  }
  if (call.retry) {
    if (std::string problem = retry_policy_problem(*call.retry, "CallOptions::retry.");
        !problem.empty()) {
      throw InvalidArgumentError(problem);
    }
    out.retry = *call.retry;
  }
  out.request.cancel = call.cancel;
  return out;
}

Job RealConnection::create_job(std::string_view workflow_id, std::string_view project_id,
                               const CallOptions& options) {
  return call_and_decode(spec(create_job_request(settings_, workflow_id, project_id), options),
                         &decode_job);
}

Job RealConnection::get_job(std::string_view workflow_id, std::string_view job_id,
                            const CallOptions& options) {
  return call_and_decode(spec(get_job_request(settings_, workflow_id, job_id), options),
                         &decode_job);
}

std::future<Job> RealConnection::create_job_async(std::string_view workflow_id,
                                                  std::string_view project_id,
                                                  const CallOptions& options) {
  return call_async([&] { return create_job_request(settings_, workflow_id, project_id); }, options,
                    &decode_job);
}

std::future<Job> RealConnection::get_job_async(std::string_view workflow_id,
                                               std::string_view job_id,
                                               const CallOptions& options) {
  return call_async([&] { return get_job_request(settings_, workflow_id, job_id); }, options,
                    &decode_job);
}

std::vector<Job> RealConnection::list_jobs(std::string_view workflow_id, const ListJobsQuery& query,
                                           const CallOptions& options) {
  auto request =
      build_request(settings_, endpoints::kListJobs, {{"workflow_id", workflow_id}},
                    {{"id", query.id, false, "ListJobsQuery::id"},
                     {"status", query.status, false, "ListJobsQuery::status"},
                     {"created_by", query.created_by, false, "ListJobsQuery::created_by"},
                     {"created_on", query.created_on, false, "ListJobsQuery::created_on"}});
  return call_and_decode(spec(std::move(request), options), &decode_job_list);
}

DownloadLink RealConnection::download_job(std::string_view workflow_id, std::string_view job_id,
                                          const CallOptions& options) {
  auto request = build_request(settings_, endpoints::kDownloadJob,
                               {{"workflow_id", workflow_id}, {"job_id", job_id}});
  return call_and_decode(spec(std::move(request), options), &decode_download_link);
}

DownloadLink RealConnection::download_task(std::string_view workflow_id, std::string_view job_id,
                                           std::string_view task_id, const CallOptions& options) {
  auto request =
      build_request(settings_, endpoints::kDownloadTask,
                    {{"workflow_id", workflow_id}, {"job_id", job_id}, {"task_id", task_id}});
  return call_and_decode(spec(std::move(request), options), &decode_download_link);
}

CostEstimate RealConnection::estimate_cost(std::string_view workflow_id,
                                           const CallOptions& options) {
  auto request = build_request(settings_, endpoints::kEstimateCost, {{"workflow_id", workflow_id}});
  return call_and_decode(spec(std::move(request), options), &decode_cost_estimate);
}

WorkflowPage RealConnection::list_workflows(const ListWorkflowsQuery& query,
                                            const CallOptions& options) {
  check_page("ListWorkflowsQuery::offset", query.offset, 0);
  check_page("ListWorkflowsQuery::limit", query.limit, 1);
  const std::string offset = std::to_string(query.offset);
  const std::string limit = std::to_string(query.limit);
  auto request =
      build_request(settings_, endpoints::kListWorkflows, {},
                    {{"project_id", query.project_id, false, "ListWorkflowsQuery::project_id"},
                     {"id", query.id, false, "ListWorkflowsQuery::id"},
                     {"name", query.name, false, "ListWorkflowsQuery::name"},
                     {"created_by", query.created_by, false, "ListWorkflowsQuery::created_by"},
                     {"created_on", query.created_on, false, "ListWorkflowsQuery::created_on"},
                     {"updated_at", query.updated_at, false, "ListWorkflowsQuery::updated_at"},
                     {"offset", offset},
                     {"limit", limit}});
  return call_and_decode(spec(std::move(request), options), &decode_workflow_page);
}

Workflow RealConnection::get_workflow(std::string_view workflow_id, std::string_view project_id,
                                      const CallOptions& options) {
  auto request = build_request(settings_, endpoints::kGetWorkflow, {{"workflow_id", workflow_id}},
                               {{"project_id", project_id, /*required=*/true}});
  return call_and_decode(spec(std::move(request), options), &decode_workflow);
}

ProjectPage RealConnection::list_projects(const ListProjectsQuery& query,
                                          const CallOptions& options) {
  check_page("ListProjectsQuery::page_num", query.page_num, 1);
  check_page("ListProjectsQuery::page_size", query.page_size, 1);
  const std::string page_num = std::to_string(query.page_num);
  const std::string page_size = std::to_string(query.page_size);
  auto request = build_request(settings_, endpoints::kListProjects, {},
                               {{"page_num", page_num}, {"page_size", page_size}});
  return call_and_decode(spec(std::move(request), options), &decode_project_page);
}

Project RealConnection::get_project(std::string_view project_id, const CallOptions& options) {
  auto request = build_request(settings_, endpoints::kGetProject, {{"project_id", project_id}});
  return call_and_decode(spec(std::move(request), options), &decode_project);
}

std::string RealConnection::ping(const CallOptions& options) {
  return call_and_decode(spec(build_request(settings_, endpoints::kPing, {}), options),
                         &decode_ping);
}

void RealConnection::start_get_job(
    std::string_view workflow_id, std::string_view job_id, const CallOptions& options,
    std::function<void(std::optional<Job>, std::optional<Failure>)> done) {
  start_async([&] { return get_job_request(settings_, workflow_id, job_id); }, options, &decode_job,
              std::move(done));
}

std::future<Job> RealConnection::wait_for_job_async(std::string_view workflow_id,
                                                    std::string_view job_id,
                                                    const WaitOptions& wait,
                                                    const CallOptions& options) {
  return wait_on_loop(*this, workflow_id, job_id, wait, options);
}

}  // namespace internal
}  // namespace pixxel
