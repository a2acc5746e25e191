#include "pixxel/client.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <unordered_set>
#include <utility>

#include "pixxel/errors.hpp"
#include "pixxel/parse.hpp"
#include "wait_drivers.hpp"

namespace pixxel {

PixxelClient::PixxelClient(ClientOptions options)
    : connection_(make_connection(std::move(options))) {}

PixxelClient::PixxelClient(std::shared_ptr<Connection> connection)
    : connection_(std::move(connection)) {
  if (!connection_) throw InvalidArgumentError("PixxelClient needs a connection, not null");
}

const std::string& PixxelClient::base_url() const noexcept {
  return connection_->options().base_url;
}

Job PixxelClient::create_job(std::string_view workflow_id, std::string_view project_id,
                             const CallOptions& options) {
  return connection_->create_job(workflow_id, project_id, options);
}

Job PixxelClient::get_job(std::string_view workflow_id, std::string_view job_id,
                          const CallOptions& options) {
  return connection_->get_job(workflow_id, job_id, options);
}

std::future<Job> PixxelClient::create_job_async(std::string_view workflow_id,
                                                std::string_view project_id,
                                                const CallOptions& options) {
  return connection_->create_job_async(workflow_id, project_id, options);
}

std::future<Job> PixxelClient::get_job_async(std::string_view workflow_id, std::string_view job_id,
                                             const CallOptions& options) {
  return connection_->get_job_async(workflow_id, job_id, options);
}

std::vector<Job> PixxelClient::list_jobs(std::string_view workflow_id, const ListJobsQuery& query,
                                         const CallOptions& options) {
  return connection_->list_jobs(workflow_id, query, options);
}

namespace {

// "YYYY-MM-DD" of `when` in UTC, as list_jobs' created_on takes it.
std::string utc_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

}  // namespace

std::vector<Job> PixxelClient::find_jobs_created_since(std::string_view workflow_id,
                                                       std::chrono::system_clock::time_point since,
                                                       const CallOptions& options) {
  using std::chrono::hours;
  // Today as the server may see it: a server clock ahead of this one may already be in the
  // next day.
  const auto until = std::chrono::system_clock::now() + hours(1);
  std::vector<std::string> days;
  for (auto day = since; days.size() <= 7; day += hours(24)) {
    std::string date = utc_date(day);
    if (date > utc_date(until)) break;
    days.push_back(std::move(date));
  }
  if (days.size() > 7) days.assign(1, std::string());  // one unfiltered listing
  std::vector<Job> found;
  std::unordered_set<std::string> seen;
  for (const std::string& day : days) {
    ListJobsQuery query;
    query.created_on = day;
    for (Job& job : connection_->list_jobs(workflow_id, query, options)) {
      if (!seen.insert(job.id).second) continue;
      const auto created = parse_timestamp(job.created_at);
      if (created && *created < since) continue;
      found.push_back(std::move(job));
    }
  }
  // Newest first; unreadable times last, in the server's order.
  std::stable_sort(found.begin(), found.end(), [](const Job& a, const Job& b) {
    const auto ta = parse_timestamp(a.created_at);
    const auto tb = parse_timestamp(b.created_at);
    if (ta && tb) return *ta > *tb;
    return ta.has_value() && !tb.has_value();
  });
  return found;
}

DownloadLink PixxelClient::download_job(std::string_view workflow_id, std::string_view job_id,
                                        const CallOptions& options) {
  return connection_->download_job(workflow_id, job_id, options);
}

DownloadLink PixxelClient::download_task(std::string_view workflow_id, std::string_view job_id,
                                         std::string_view task_id, const CallOptions& options) {
  return connection_->download_task(workflow_id, job_id, task_id, options);
}

CostEstimate PixxelClient::estimate_cost(std::string_view workflow_id, const CallOptions& options) {
  return connection_->estimate_cost(workflow_id, options);
}

WorkflowPage PixxelClient::list_workflows(const ListWorkflowsQuery& query,
                                          const CallOptions& options) {
  return connection_->list_workflows(query, options);
}

std::vector<WorkflowSummary> PixxelClient::list_all_workflows(const ListWorkflowsQuery& query,
                                                              const CallOptions& options) {
  ListWorkflowsQuery page_query = query;
  std::vector<WorkflowSummary> all;
  std::unordered_set<std::string> seen;
  for (;;) {
    WorkflowPage page = connection_->list_workflows(page_query, options);
    const std::int64_t total = page.pagination.total;
    const auto received = static_cast<std::int64_t>(page.workflows.size());
    const auto stop = [&](const std::string& why) {
      return DecodeError("workflows", "the page at offset " + std::to_string(page_query.offset) +
                                          " " + why + " (" + std::to_string(all.size()) +
                                          " workflows listed, total " + std::to_string(total) +
                                          ")");
    };
    if (received == 0) {
      if (page_query.offset < total) throw stop("is empty before the total was reached");
      return all;
    }
    std::size_t added = 0;
    for (WorkflowSummary& workflow : page.workflows) {
      // Without an id a workflow cannot be told apart from another: kept.
      if (workflow.id.empty() || seen.insert(workflow.id).second) {
        all.push_back(std::move(workflow));
        ++added;
      }
    }
    if (added == 0) throw stop("repeats workflows already listed");
    page_query.offset += received;
    if (total > 0 ? page_query.offset >= total : received < page_query.limit) return all;
  }
}

Workflow PixxelClient::get_workflow(std::string_view workflow_id, std::string_view project_id,
                                    const CallOptions& options) {
  return connection_->get_workflow(workflow_id, project_id, options);
}

ProjectPage PixxelClient::list_projects(const ListProjectsQuery& query,
                                        const CallOptions& options) {
  return connection_->list_projects(query, options);
}

Project PixxelClient::get_project(std::string_view project_id, const CallOptions& options) {
  return connection_->get_project(project_id, options);
}

std::string PixxelClient::ping(const CallOptions& options) { return connection_->ping(options); }

std::uint64_t PixxelClient::save_download(const DownloadLink& link, const std::string& path,
                                          const SaveOptions& options, const CallOptions& call) {
  return connection_->save_download(link, path, options, call);
}

Job PixxelClient::wait_for_job(std::string_view workflow_id, std::string_view job_id,
                               const WaitOptions& options, const CallOptions& call) {
  return internal::wait_blocking(*connection_, workflow_id, job_id, options, call);
}

std::future<Job> PixxelClient::wait_for_job_async(std::string_view workflow_id,
                                                  std::string_view job_id, WaitOptions options,
                                                  CallOptions call) {
  std::future<Job> own = connection_->wait_for_job_async(workflow_id, job_id, options, call);
  if (own.valid()) return own;
  return internal::wait_on_thread(connection_, std::string(workflow_id), std::string(job_id),
                                  std::move(options), std::move(call));
}

}  // namespace pixxel
