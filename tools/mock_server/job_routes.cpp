#include "job_routes.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "catalog.hpp"
#include "responses.hpp"
#include "text.hpp"  // the SDK's own helpers (pixxel_util), compiled in
#include "time_format.hpp"
#include "zip.hpp"

namespace pixxel::mock::detail {
namespace {

using std::chrono::microseconds;

bool is_wildcard_host(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

void send_job_not_found(httplib::Response& res, const std::string& workflow_id,
                        const std::string& job_id) {
  send_error(res, 404, "job \"" + job_id + "\" not found in workflow \"" + workflow_id + "\"");
}

}  // namespace

JobRoutes::JobRoutes(const MockOptions& options, JobStore& store, FaultInjector& faults,
                     std::function<std::string()> base_url)
    : options_(options),
      store_(store),
      faults_(faults),
      base_url_(std::move(base_url)),
      routes_{
          {"POST", std::regex(R"(/v0/workflows/([^/]+)/jobs)"), &JobRoutes::create_job},
          {"GET", std::regex(R"(/v0/workflows/([^/]+)/jobs)"), &JobRoutes::list_jobs},
          {"GET", std::regex(R"(/v0/workflows/([^/]+)/jobs/([^/]+))"), &JobRoutes::get_job},
          {"PUT", std::regex(R"(/v0/workflows/([^/]+)/jobs/([^/]+)/download)"),
           &JobRoutes::download_job},
          {"PUT", std::regex(R"(/v0/workflows/([^/]+)/jobs/([^/]+)/tasks/([^/]+)/download)"),
           &JobRoutes::download_task},
      } {}

void JobRoutes::serve_api(const httplib::Request& req, httplib::Response& res) {
  faults_.wait_latency();
  switch (faults_.next_request_fault()) {
    case Fault::kRateLimited:
      res.set_header("Retry-After", std::to_string(options_.retry_after_seconds));
      send_error(res, 429, "rate limit exceeded (injected by the mock server)");
      return;
    case Fault::kUnavailable:
      send_error(res, 503, "service unavailable (injected by the mock server)");
      return;
    case Fault::kNone:
      break;
  }
  if (req.get_header_value_count("Authorization") != 1 ||
      req.get_header_value("Authorization") != options_.api_key) {
    send_error(res, 403, "missing or invalid API key in the Authorization header");
    return;
  }

  if (catalog_.serve(req, res)) return;
  for (const Route& route : routes_) {
    if (const auto captures = match_route(req, route.method, route.pattern)) {
      (this->*route.handler)(req, res, *captures);
      return;
    }
  }
  send_error(res, 404, "no such route: " + req.method + " " + raw_path(req));
}

SteadyClock::time_point JobRoutes::clock_now() const {
  return options_.clock ? options_.clock() : SteadyClock::now();
}

void JobRoutes::create_job(const httplib::Request& req, httplib::Response& res,
                           const Captures& ids) {
  const std::string project_id = req.get_param_value("project_id");
  if (project_id.empty()) {
    send_error(res, 400, "query parameter project_id is required");
    return;
  }
  auto record = std::make_shared<JobRecord>();
  record->workflow_id = ids[0];
  record->project_id = project_id;
  record->fails = ids[0] == kFailingWorkflow;
  // A seeded workflow's jobs cost its estimate and carry its validation errors; jobs on any
  // other id are accepted too, at the default cost.
  if (const WorkflowRecord* workflow = find_workflow(ids[0])) {
    record->cost = workflow->estimated_cost;
    record->val_errors = render_val_errors(workflow->val_errors);
  }
  record->created = clock_now();
  record->created_wall = SystemClock::now();
  bool fail_after_create = false;
  // One draw per created job, in the order they are stored, so a seed fixes which of them
  // fail whatever the timing.
  const auto job =
      store_.add(std::move(record), [&] { fail_after_create = faults_.next_create_fails(); });
  if (fail_after_create) {
    send_error(res, 500, "internal error after the job was created (injected by the mock server)");
    return;
  }
  send_json(res, 200, render_job(*job, clock_now(), false));
}

void JobRoutes::list_jobs(const httplib::Request& req, httplib::Response& res,
                          const Captures& ids) {
  const std::string id = req.get_param_value("id");
  const std::string status = internal::to_lower(req.get_param_value("status"));
  const std::string created_by = req.get_param_value("created_by");
  const std::string created_on = req.get_param_value("created_on");
  std::optional<std::int64_t> day;
  if (!created_on.empty()) {
    day = parse_utc_day(created_on);
    if (!day) {
      send_error(res, 400, "created_on must be an ISO 8601 date (YYYY-MM-DD) or timestamp");
      return;
    }
  }

  const auto jobs = store_.jobs();
  const auto now = clock_now();
  json listed = json::array();
  for (const auto& job : jobs) {
    if (job->workflow_id != ids[0] || (!id.empty() && job->id != id)) continue;
    if (!created_by.empty() && created_by != "mock-user") continue;
    if (!status.empty() && internal::to_lower(job->status(job->age(now))) != status) continue;
    if (day && utc_day(job->created_wall) != *day) continue;
    listed.push_back(render_job(*job, now, true));
  }
  send_json(res, 200, {{"jobs", std::move(listed)}});
}

void JobRoutes::get_job(const httplib::Request&, httplib::Response& res, const Captures& ids) {
  const auto job = store_.find(ids[0], ids[1]);
  if (!job) return send_job_not_found(res, ids[0], ids[1]);
  send_json(res, 200, render_job(*job, clock_now(), false));
}

std::string JobRoutes::signed_url(const httplib::Request& req, std::shared_ptr<const JobRecord> job,
                                  std::optional<std::size_t> task) {
  const auto ttl = std::chrono::duration_cast<microseconds>(options_.signed_url_ttl);
  const auto expires_wall = SystemClock::now() + ttl;
  const auto now = clock_now();
  const std::string token = store_.add_link(std::move(job), task, now, now + ttl);
  std::string base = base_url_();
  if (is_wildcard_host(options_.host) && req.has_header("Host")) {
    base = "http://" + req.get_header_value("Host");
  }
  const auto expires_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(expires_wall.time_since_epoch()).count();
  return base + "/signed/" + token + "?expires=" + std::to_string(expires_seconds);
}

void JobRoutes::download_job(const httplib::Request& req, httplib::Response& res,
                             const Captures& ids) {
  const auto job = store_.find(ids[0], ids[1]);
  if (!job) return send_job_not_found(res, ids[0], ids[1]);
  const bool ready = job->status(job->age(clock_now())) == "completed";
  send_json(res, 200,
            {{"id", job->id},
             {"status", ready ? "ready" : "pending"},
             {"signed_url", ready ? signed_url(req, job, std::nullopt) : ""},
             {"workflowId", job->workflow_id}});
}

void JobRoutes::download_task(const httplib::Request& req, httplib::Response& res,
                              const Captures& ids) {
  const auto job = store_.find(ids[0], ids[1]);
  if (!job) return send_job_not_found(res, ids[0], ids[1]);
  // A job that failed validation shows no tasks, so none of them can be downloaded.
  const auto task = job->rejected()
                        ? job->tasks.end()
                        : std::find_if(job->tasks.begin(), job->tasks.end(),
                                       [&](const TaskRecord& t) { return t.id == ids[2]; });
  if (task == job->tasks.end()) {
    send_error(res, 404, "task \"" + ids[2] + "\" not found in job \"" + ids[1] + "\"");
    return;
  }
  const auto index = static_cast<std::size_t>(task - job->tasks.begin());
  const bool ready = job->task_status(index, job->age(clock_now())) == "completed";
  send_json(res, 200,
            {{"id", task->id},
             {"job_id", job->id},
             {"workflow_id", job->workflow_id},
             {"status", ready ? "ready" : "pending"},
             {"signed_url", ready ? signed_url(req, job, index) : ""}});
}

void JobRoutes::serve_signed(const httplib::Request& req, httplib::Response& res) {
  std::optional<std::string> authorization;
  if (req.has_header("Authorization")) authorization = req.get_header_value("Authorization");
  const auto link = store_.record_download(req.matches[1].str(), std::move(authorization));
  const auto now = clock_now();
  if (!link || now >= link->expires) {
    send_error(res, 404, "unknown or expired download link");
    return;
  }

  const JobRecord& job = *link->job;
  const json job_json = render_job(job, now, false);
  std::vector<ZipEntry> entries;
  std::string name = "job-" + job.id;
  if (link->task) {
    const json& task = job_json["tasks"][*link->task];
    name = "task-" + task["id"].get<std::string>();
    entries.push_back({"task.json", dump(task, 2) + "\n"});
  } else {
    entries.push_back({"job.json", dump(job_json, 2) + "\n"});
  }
  entries.push_back({"README.txt",
                     "Produced by pixxel-mock-server, an offline fake of the Pixxel API.\n"
                     "This archive stands in for the outputs of " +
                         name + ".\n"});
  res.status = 200;
  res.set_header("Content-Disposition", "attachment; filename=\"" + name + ".zip\"");
  res.set_content(make_stored_zip(entries, SystemClock::to_time_t(job.wall(job.finish()))),
                  "application/zip");
}

}  // namespace pixxel::mock::detail
