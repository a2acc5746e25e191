#ifndef PIXXEL_CLIENT_HPP_
#define PIXXEL_CLIENT_HPP_

/// @file
/// `PixxelClient`: the calls of the Pixxel jobs API.

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pixxel/call_options.hpp"
#include "pixxel/connection.hpp"
#include "pixxel/download.hpp"
#include "pixxel/export.hpp"
#include "pixxel/list_jobs_query.hpp"
#include "pixxel/models.hpp"
#include "pixxel/options.hpp"
#include "pixxel/wait_options.hpp"

namespace pixxel {

/// A client of the Pixxel platform API.
///
/// @code
/// pixxel::PixxelClient client;  // key from PIXXEL_API_KEY
/// pixxel::Job job = client.create_job("my-workflow-id", "my-project-id");
/// std::cout << job.id << " " << job.status << "\n";
/// @endcode
///
/// @par Errors
/// Every call throws a subclass of `pixxel::Error`: `InvalidArgumentError` before any I/O
/// for a bad argument, `ApiError` (by status) for a non-2xx answer, `TransportError` or
/// `TimeoutError` when no answer arrived, `ResponseTooLargeError`, and `DecodeError` for a
/// 2xx answer that is not the expected JSON.
///
/// @par Per-call options and cancellation
/// Every call takes a last `const CallOptions&`: its own timeout, retry policy, or a
/// `CancellationToken` that ends it with `CancelledError` (see `CallOptions`).
///
/// @par Testing
/// The client is a thin value over a `Connection`; give it a
/// `pixxel::mocks::MockConnection` to test your code without a server.
///
/// @par Threads and destruction
/// A client starts one thread, for its asynchronous calls (and waits), with its first such
/// call: that loop drives libcurl itself, so no other thread is involved. A custom
/// `transport` may add worker threads of the client's (see `create_job_async` and
/// `Transport::supports_cancellation`). Every thread a client starts ends with it: destroying
/// the last copy (and the connection, if held elsewhere) fails what is in flight, then joins
/// them, which waits for a custom transport's blocking `send` still running on one of them
/// (its request's token is cancelled first, so a transport that supports cancellation ends
/// at once; one that ignores it runs to its end).
///
/// @par Thread Safety
/// One client may be shared by any number of threads, and its calls made concurrently.
/// Copies share the same connection and settings; copying is cheap.
class PIXXEL_EXPORT PixxelClient {
 public:
  /// Reads the options (and the environment for what they leave empty) and checks them.
  /// Does no I/O.
  /// @throws ConfigurationError for no API key, control characters in the key or the user
  ///     agent, a base URL that is not http(s), or plain http to a host that is not loopback
  ///     without `allow_insecure_http`.
  explicit PixxelClient(ClientOptions options = {});

  /// A client over `connection` (the real one from `make_connection`, or a mock).
  /// @throws InvalidArgumentError for a null connection.
  explicit PixxelClient(std::shared_ptr<Connection> connection);

  /// Creates a job from a workflow: `POST /v0/workflows/{workflow_id}/jobs?project_id=...`.
  ///
  /// The job may still be queued or running when this returns. Never retried after the
  /// request may have reached the server unless `RetryPolicy::retry_non_idempotent`.
  /// @throws InvalidArgumentError for an empty id, `.` or `..`, or control characters.
  Job create_job(std::string_view workflow_id, std::string_view project_id,
                 const CallOptions& options = {});

  /// `create_job` without blocking: the answer, or the same typed error, arrives through the
  /// future. Runs on the client's one loop thread, which drives its libcurl multi handle
  /// (no thread per call), with the same retries, whose pauses are timers there; at most
  /// `ClientOptions::max_concurrent_requests` calls are in flight, the rest queue. A custom
  /// `transport` without an asynchronous path (`Transport::send_async`) is driven from a pool
  /// of at most `max_concurrent_requests` worker threads of the client's, reused from call to
  /// call and joined by its destruction.
  ///
  /// Destroying the last copy of the client (and of its connection, if held elsewhere) fails
  /// the calls still in flight: their futures get a `TransportError` (before the destruction
  /// waits for any worker thread). Argument errors arrive through the future too.
  /// @code
  /// std::vector<std::future<pixxel::Job>> jobs;
  /// for (const auto& wf : workflows) jobs.push_back(client.create_job_async(wf, project));
  /// for (auto& f : jobs) std::cout << f.get().id << "\n";
  /// @endcode
  std::future<Job> create_job_async(std::string_view workflow_id, std::string_view project_id,
                                    const CallOptions& options = {});

  /// `get_job` without blocking; see `create_job_async`.
  std::future<Job> get_job_async(std::string_view workflow_id, std::string_view job_id,
                                 const CallOptions& options = {});

  /// The job as it is now: `GET /v0/workflows/{workflow_id}/jobs/{job_id}`.
  /// @throws NotFoundError for an unknown job.
  Job get_job(std::string_view workflow_id, std::string_view job_id,
              const CallOptions& options = {});

  /// A workflow's jobs: `GET /v0/workflows/{workflow_id}/jobs`, with the non-empty filters of
  /// `query`. The server leaves `tasks`, `spec` and `val_errors` out of listed jobs.
  std::vector<Job> list_jobs(std::string_view workflow_id, const ListJobsQuery& query = {},
                             const CallOptions& options = {});

  /// The jobs of a workflow created at or after `since`, newest first: the candidates after a
  /// `create_job` whose outcome is unknown (`Error::outcome_unknown()`; pass its
  /// `Error::sent_at()`, perhaps a little earlier to allow for a server clock behind this
  /// one). Never creates anything.
  ///
  /// Asks `list_jobs` with `created_on` for each UTC day from `since`'s to today's (one call
  /// for a `since` earlier today; one call without the filter when that would be more than
  /// 7 days), keeps each job once, and then keeps those whose `created_at` is at or after
  /// `since`. A job whose `created_at` cannot be read is kept too (it cannot be ruled out),
  /// after the others. Other users' jobs of the workflow are among them: compare
  /// `created_by`, `spec` or the time.
  /// @throws what `list_jobs` throws.
  std::vector<Job> find_jobs_created_since(std::string_view workflow_id,
                                           std::chrono::system_clock::time_point since,
                                           const CallOptions& options = {});

  /// Polls `get_job` until the job's status is terminal (`is_terminal_status`), and returns
  /// it, whether it completed or failed: check `status`.
  ///
  /// @code
  /// pixxel::WaitOptions wait;
  /// wait.timeout = std::chrono::minutes(30);
  /// wait.on_update = [](const pixxel::Job& j) { std::cout << j.progress << "%\n"; };
  /// pixxel::Job done = client.wait_for_job(job.workflow_id, job.id, wait);
  /// @endcode
  /// A poll that fails with an error the retry rules would retry for a GET does not end the
  /// wait; polling goes on until the job ends or the timeout passes (see `WaitOptions`).
  /// @throws TimeoutError when `options.timeout` passes first; the first permanent error of a
  ///     poll (NotFoundError, DecodeError, ...); InvalidArgumentError for a non-positive
  ///     `poll_interval` or a `max_poll_interval` below it.
  /// `call` applies to each poll (timeout, retry); its token cancels the whole wait, also
  /// during a pause.
  Job wait_for_job(std::string_view workflow_id, std::string_view job_id,
                   const WaitOptions& options = {}, const CallOptions& call = {});

  /// `wait_for_job` without blocking: the final job, or the error, through the future. With
  /// the real connection its polls run on the client's asynchronous loop and its pauses are
  /// timers there (no thread per wait); `WaitOptions`' callbacks run on that loop's thread.
  /// A connection without a loop of its own (a mock) is waited on from a thread of its own,
  /// which keeps the connection until the wait ends; the program's exit cancels and joins it.
  /// Argument errors arrive through the future too.
  std::future<Job> wait_for_job_async(std::string_view workflow_id, std::string_view job_id,
                                      WaitOptions options = {}, CallOptions call = {});

  /// Asks for a link to a ZIP of the job's files:
  /// `PUT /v0/workflows/{workflow_id}/jobs/{job_id}/download`. The link's `status` is
  /// "pending" until the archive is ready; ask again later.
  DownloadLink download_job(std::string_view workflow_id, std::string_view job_id,
                            const CallOptions& options = {});

  /// Asks for a link to a ZIP of one task's files:
  /// `PUT /v0/workflows/{workflow_id}/jobs/{job_id}/tasks/{task_id}/download`.
  DownloadLink download_task(std::string_view workflow_id, std::string_view job_id,
                             std::string_view task_id, const CallOptions& options = {});

  /// What a job of the workflow is expected to cost, in tokens:
  /// `GET /v0/workflows/{workflow_id}/estimate`. Ask before `create_job` to stay in budget.
  /// @throws NotFoundError for an unknown workflow.
  CostEstimate estimate_cost(std::string_view workflow_id, const CallOptions& options = {});
  /// One page of the workflows you can see: `GET /v0/workflows`, with the non-empty filters
  /// of `query` and its `offset` and `limit`. `pagination.total` counts every match.
  /// @throws InvalidArgumentError for an `offset` below 0 or a `limit` below 1, before any I/O.
  WorkflowPage list_workflows(const ListWorkflowsQuery& query = {},
                              const CallOptions& options = {});
  /// Every workflow matching `query`'s filters, from `query.offset` on: `list_workflows`
  /// page after page (`query.limit` each), each asking from where the last one ended, until
  /// the server's `pagination.total` is reached. A server that sends no total ends the walk
  /// with a page shorter than asked for. `options` applies to each page.
  ///
  /// Never loops forever: a page that holds no workflow not seen before (the same page
  /// again), or an empty page before the total is reached, ends the walk with a `DecodeError`
  /// (path `workflows`) that says which offset and how far it got. A workflow listed twice
  /// (the list moved between pages) is kept once.
  std::vector<WorkflowSummary> list_all_workflows(const ListWorkflowsQuery& query = {},
                                                  const CallOptions& options = {});
  /// A workflow with its spec, cost estimate and validation errors:
  /// `GET /v0/workflows/{workflow_id}?project_id=...`.
  /// @throws NotFoundError for an unknown workflow (or one not in that project).
  Workflow get_workflow(std::string_view workflow_id, std::string_view project_id,
                        const CallOptions& options = {});
  /// One page of your projects: `GET /v0/projects?page_num=&page_size=`. `total` counts the
  /// projects of every page.
  /// @throws InvalidArgumentError for a `page_num` or `page_size` below 1, before any I/O.
  ProjectPage list_projects(const ListProjectsQuery& query = {}, const CallOptions& options = {});
  /// A project: `GET /v0/projects/{project_id}`.
  /// @throws NotFoundError for an unknown project.
  Project get_project(std::string_view project_id, const CallOptions& options = {});
  /// The server's health check: `GET /ping`, sent without the API key. Returns the answer
  /// (Pixxel documents a JSON string, "a pong message": its value; any other body as text).
  /// Retried like every GET; an error answer throws as any call does.
  std::string ping(const CallOptions& options = {});
  /// Saves the archive behind a ready link to `path`, streaming it to disk (no size cap,
  /// little memory). The signed URL needs no key, and the key is never sent to it. The file
  /// appears only once complete: it is written to a new file next to it (`path + ".part"`, or
  /// `path + ".part-XXXXXXXX"` when that name is taken), never through a symlink, then moved
  /// into place.
  ///
  /// A transfer that breaks is retried under the client's `RetryPolicy`. When the server
  /// said `Accept-Ranges: bytes` and gave an `ETag` (or `Last-Modified`), the retry asks for
  /// the rest only (`Range`, with `If-Range`, so that a changed object is sent whole rather
  /// than stitched onto the old one's head); otherwise, or when the server sends the whole
  /// object anyway, the file starts over. A body shorter than announced is a broken transfer.
  ///
  /// A call of the connection's (`Connection::save_download`), so a mocked connection's
  /// answers it and nothing is sent. The real connection uses its one transport, its TLS
  /// settings and `connect_timeout`, and checks `call` as every call does; `timeout` (or
  /// `call.timeout`) bounds how long the download may stall without receiving a byte, not its
  /// total length. Cancelled through `call.cancel`, it removes what it wrote (no file left).
  /// @returns the number of bytes written: the announced length, when there was one.
  /// @throws InvalidArgumentError when the link is not "ready" or has no http(s) URL, or
  ///     something is at `path` (a file, a symlink, even one that appeared during the
  ///     download) and `overwrite` is off; ApiError (by status) for an error answer;
  ///     TransportError, also when the body stays shorter than announced; Error when the file
  ///     cannot be written.
  std::uint64_t save_download(const DownloadLink& link, const std::string& path,
                              const SaveOptions& options = {}, const CallOptions& call = {});

  /// The base URL requests go to, without a trailing `/`: the connection's
  /// `options().base_url` (empty for a connection that does not say, such as a mock).
  const std::string& base_url() const noexcept;

  /// The connection the client calls (shared by its copies).
  const std::shared_ptr<Connection>& connection() const noexcept { return connection_; }

 private:
  std::shared_ptr<Connection> connection_;
};

}  // namespace pixxel

#endif  // PIXXEL_CLIENT_HPP_
