// An in-memory fake of the Pixxel jobs, workflows and projects API, answering as Pixxel's API
// reference documents it, in the spirit of stripe-mock: the SDK's tests run it in-process,
// users run it as `pixxel-mock-server`.
// It is a fake *server* and deliberately does not depend on the SDK library.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "mock_options.hpp"

namespace pixxel::mock {

/// The mock server. Routes (all answers JSON, with `X-Request-Id: req-<n>`):
///   GET  /ping                                            "pong" (a JSON string); no key needed
///   GET  /v0/projects[?page_num=&page_size=]              {"projects": [...], "count": total}
///   GET  /v0/projects/{id}                                {"project": {...}}
///   GET  /v0/workflows[?project_id=&id=&name=&created_by=&created_on=&updated_at=&offset=&limit=]
///                                                         {"workflows": [...], "pagination":
///                                                          {"limit", "offset", "total"}}
///   GET  /v0/workflows/{w}?project_id=P                   the workflow (bare object)
///   GET  /v0/workflows/{w}/estimate                       {"estimated_cost": N}
///   POST /v0/workflows/{w}/jobs?project_id=P              any workflow id; "wf-fail" jobs fail
///   GET  /v0/workflows/{w}/jobs[?id=&status=&created_by=&created_on=]
///   GET  /v0/workflows/{w}/jobs/{job}
///   PUT  /v0/workflows/{w}/jobs/{job}/download
///   PUT  /v0/workflows/{w}/jobs/{job}/tasks/{task}/download
///   GET  /signed/{token}?expires=<unix seconds>           the ZIP; no key needed
/// Every /v0/ route has the same latency, injected faults and key check (403).
///
/// Projects and workflows are seeded, read-only and the same whatever `seed` is:
///   prj-agri  ("agri-monitoring", "Agriculture monitoring"), org "org-demo":
///     wf-ndvi 30, wf-crop-health 45, wf-invalid 0 (two val_errors)
///   prj-coast ("coastal-watch", "Coastal watch"), org "org-demo":
///     wf-shoreline 30, wf-flood-map 60, wf-fail 30
/// (the numbers are each workflow's estimated_cost). Workflows are listed in that order,
/// projects in that order. A job on a seeded workflow costs its estimate; a job on
/// "wf-invalid" carries its val_errors, has no tasks and is "failed" at once; a job on any
/// other workflow id is accepted too and costs 30. List filters match exactly, except
/// created_on and updated_at, which match the UTC day (YYYY-MM-DD) of the timestamp. offset
/// defaults to 0 and limit to 50 (1 to 1000); page_num is 1-based (default 1), page_size
/// defaults to 50 (1 to 1000); values out of range or not integers answer 400 naming the
/// parameter. get_workflow needs project_id (400) and answers 404 for an unknown workflow or
/// one of another project; unknown projects and estimates of unknown workflows answer 404.
/// A job's state is computed from its age on every read: queued for the first 10% of
/// `job_duration`, then its three tasks run one after another, then it is completed.
/// Each connection is served on a thread of its own, started when a connection finds none
/// free (at most 1,024), so that many clients may keep their connections open at once.
/// (Debian's cpp-httplib answers 500 on a socket numbered 1,024 or above.)
///
/// @par Thread Safety
/// All member functions may be called from any thread while the server runs.
class MockServer {
 public:
  /// Throws std::invalid_argument for options out of range (rates outside 0..1, ...).
  explicit MockServer(MockOptions options = {});
  ~MockServer();  // stops and joins
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  /// Binds and serves on a background thread; once it returns, connections are accepted.
  /// Throws std::runtime_error if it cannot bind, std::logic_error if called twice.
  void start();
  /// Stops serving and joins the server threads. Idempotent.
  void stop();

  int port() const;              // the bound port once started
  std::string base_url() const;  // "http://127.0.0.1:<port>"

  /// Every request answered so far, on any route (also /ping, /signed and unknown paths);
  /// the last answer's X-Request-Id is `req-<request_count()>`.
  std::size_t request_count() const;
  std::size_t job_count() const;
  /// Requests received by the signed-URL route, whatever their outcome.
  std::size_t download_count() const;
  /// The Authorization header of the last request to the signed-URL route; nullopt when it
  /// had none (or there was none yet).
  std::optional<std::string> last_download_authorization() const;

  void set_fail_rate(double rate);
  void set_rate_limit_rate(double rate);
  void set_fail_after_create_rate(double rate);
  void set_latency(std::chrono::milliseconds latency);
  void set_job_duration(std::chrono::milliseconds duration);  // for jobs created afterwards

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pixxel::mock
