#ifndef PIXXEL_CONNECTION_HPP_
#define PIXXEL_CONNECTION_HPP_

/// @file
/// `Connection`: what a `PixxelClient` calls, one virtual per API call, so that code built on
/// the client can be tested with a mock (`pixxel/mocks/mock_connection.hpp`) and no server.

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pixxel/call_options.hpp"
#include "pixxel/download.hpp"
#include "pixxel/export.hpp"
#include "pixxel/list_jobs_query.hpp"
#include "pixxel/models.hpp"
#include "pixxel/options.hpp"
#include "pixxel/wait_options.hpp"

namespace pixxel {

/// The calls of the Pixxel API, as a `PixxelClient` makes them. `make_connection` makes the
/// real one; `pixxel::mocks::MockConnection` is a gmock mock of it. Each call gets the
/// client's arguments unchecked and the call's `CallOptions`; its errors are the client's.
///
/// `PixxelClient::wait_for_job`, `find_jobs_created_since` and `list_all_workflows` are not
/// calls of their own: the client writes them over `get_job`, `list_jobs` and
/// `list_workflows`, so a mocked `get_job` drives a real wait and a mocked `list_workflows` a
/// real walk of pages. `save_download` is a call of its own: a mocked one makes no request.
///
/// @par Writing your own
/// The virtuals of the first calls are pure: a subclass implements each. Every virtual added
/// since (`save_download`, and the calls still to come) has a default that throws
/// `UnimplementedError`, so a subclass written before it keeps compiling.
///
/// @par Thread Safety
/// An implementation must accept calls from many threads at once (the real one does).
class PIXXEL_EXPORT Connection {
 public:
  virtual ~Connection() = default;

  /// `PixxelClient::create_job`.
  virtual Job create_job(std::string_view workflow_id, std::string_view project_id,
                         const CallOptions& options) = 0;
  /// `PixxelClient::get_job`; also each poll of `PixxelClient::wait_for_job`.
  virtual Job get_job(std::string_view workflow_id, std::string_view job_id,
                      const CallOptions& options) = 0;
  /// `PixxelClient::list_jobs`.
  virtual std::vector<Job> list_jobs(std::string_view workflow_id, const ListJobsQuery& query,
                                     const CallOptions& options) = 0;
  /// `PixxelClient::download_job`.
  virtual DownloadLink download_job(std::string_view workflow_id, std::string_view job_id,
                                    const CallOptions& options) = 0;
  /// `PixxelClient::download_task`.
  virtual DownloadLink download_task(std::string_view workflow_id, std::string_view job_id,
                                     std::string_view task_id, const CallOptions& options) = 0;
  /// `PixxelClient::estimate_cost`.
  virtual CostEstimate estimate_cost(std::string_view workflow_id, const CallOptions& options) = 0;
  /// `PixxelClient::list_workflows`; also each page of `PixxelClient::list_all_workflows`.
  virtual WorkflowPage list_workflows(const ListWorkflowsQuery& query,
                                      const CallOptions& options) = 0;
  /// `PixxelClient::get_workflow`.
  virtual Workflow get_workflow(std::string_view workflow_id, std::string_view project_id,
                                const CallOptions& options) = 0;
  /// `PixxelClient::list_projects`.
  virtual ProjectPage list_projects(const ListProjectsQuery& query, const CallOptions& options) = 0;
  /// `PixxelClient::get_project`.
  virtual Project get_project(std::string_view project_id, const CallOptions& options) = 0;
  /// `PixxelClient::ping`.
  virtual std::string ping(const CallOptions& options) = 0;
  /// `PixxelClient::create_job_async`.
  virtual std::future<Job> create_job_async(std::string_view workflow_id,
                                            std::string_view project_id,
                                            const CallOptions& options) = 0;
  /// `PixxelClient::get_job_async`.
  virtual std::future<Job> get_job_async(std::string_view workflow_id, std::string_view job_id,
                                         const CallOptions& options) = 0;

  /// `PixxelClient::wait_for_job_async` on the connection's own loop. The default returns an
  /// empty (invalid) future, which tells the client that there is no loop: it then waits on
  /// a thread of its own, polling through `get_job`. The real connection polls and pauses on
  /// its asynchronous loop's timers.
  virtual std::future<Job> wait_for_job_async(std::string_view workflow_id, std::string_view job_id,
                                              const WaitOptions& wait, const CallOptions& options);

  /// `PixxelClient::save_download`: the archive behind `link` saved to `path`. The real
  /// connection downloads through its one transport, with its settings and the checks of
  /// `options` that every call makes. The default throws `UnimplementedError`.
  virtual std::uint64_t save_download(const DownloadLink& link, const std::string& path,
                                      const SaveOptions& save, const CallOptions& options);

  /// The connection's settings: `PixxelClient::base_url` reads them, and the client's waits
  /// redact the key from what they report. The default is `ClientOptions{}` (no base URL, no
  /// key). The real connection returns its resolved options (the key and base URL filled in).
  virtual const ClientOptions& options() const;
};

/// The real connection: HTTP to `options.base_url`, with `options`' key, retries, limits and
/// transport (see `PixxelClient(ClientOptions)`). Does no I/O.
/// @throws ConfigurationError as `PixxelClient(ClientOptions)` does.
PIXXEL_EXPORT std::shared_ptr<Connection> make_connection(ClientOptions options = {});

}  // namespace pixxel

#endif  // PIXXEL_CONNECTION_HPP_
