#include "pixxel/client.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "client_impl.hpp"
#include "endpoints.hpp"
#include "internal/decode.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/parse.hpp"
#include "retry_rules.hpp"

namespace pixxel {

namespace endpoints = internal::endpoints;
using internal::build_request;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

PixxelClient::PixxelClient(ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

const std::string& PixxelClient::base_url() const noexcept { return impl_->options().base_url; }

Job PixxelClient::create_job(std::string_view workflow_id, std::string_view project_id) {
  auto request =
      build_request(impl_->settings(), endpoints::kCreateJob, {{"workflow_id", workflow_id}},
                    {{"project_id", project_id, /*required=*/true}});
  return impl_->decode(impl_->call(impl_->spec(std::move(request))), &internal::decode_job);
}

Job PixxelClient::get_job(std::string_view workflow_id, std::string_view job_id) {
  auto request = build_request(impl_->settings(), endpoints::kGetJob,
                               {{"workflow_id", workflow_id}, {"job_id", job_id}});
  return impl_->decode(impl_->call(impl_->spec(std::move(request))), &internal::decode_job);
}

std::future<Job> PixxelClient::create_job_async(std::string_view workflow_id,
                                                std::string_view project_id) {
  return impl_->call_async(
      [&] {
        return build_request(impl_->settings(), endpoints::kCreateJob,
                             {{"workflow_id", workflow_id}},
                             {{"project_id", project_id, /*required=*/true}});
      },
      &internal::decode_job);
}

std::future<Job> PixxelClient::get_job_async(std::string_view workflow_id,
                                             std::string_view job_id) {
  return impl_->call_async(
      [&] {
        return build_request(impl_->settings(), endpoints::kGetJob,
                             {{"workflow_id", workflow_id}, {"job_id", job_id}});
      },
      &internal::decode_job);
}

std::vector<Job> PixxelClient::list_jobs(std::string_view workflow_id, const ListJobsQuery& query) {
  auto request =
      build_request(impl_->settings(), endpoints::kListJobs, {{"workflow_id", workflow_id}},
                    {{"id", query.id, false, "ListJobsQuery::id"},
                     {"status", query.status, false, "ListJobsQuery::status"},
                     {"created_by", query.created_by, false, "ListJobsQuery::created_by"},
                     {"created_on", query.created_on, false, "ListJobsQuery::created_on"}});
  return impl_->decode(impl_->call(impl_->spec(std::move(request))), &internal::decode_job_list);
}

DownloadLink PixxelClient::download_job(std::string_view workflow_id, std::string_view job_id) {
  auto request = build_request(impl_->settings(), endpoints::kDownloadJob,
                               {{"workflow_id", workflow_id}, {"job_id", job_id}});
  return impl_->decode(impl_->call(impl_->spec(std::move(request))),
                       &internal::decode_download_link);
}

DownloadLink PixxelClient::download_task(std::string_view workflow_id, std::string_view job_id,
                                         std::string_view task_id) {
  auto request =
      build_request(impl_->settings(), endpoints::kDownloadTask,
                    {{"workflow_id", workflow_id}, {"job_id", job_id}, {"task_id", task_id}});
  return impl_->decode(impl_->call(impl_->spec(std::move(request))),
                       &internal::decode_download_link);
}

namespace {

// Whether a failed poll is worth polling again: the retry rules' verdict for a GET, so that a
// wait tolerates exactly what one call retries, only for longer.
bool is_retryable_poll_failure(const Error& error) {
  if (dynamic_cast<const TransportError*>(&error) != nullptr) return true;  // TimeoutError too
  const auto* api = dynamic_cast<const ApiError*>(&error);
  return api != nullptr && internal::is_retryable_status(api->status_code(), /*may_repeat=*/true);
}

}  // namespace

Job PixxelClient::wait_for_job(std::string_view workflow_id, std::string_view job_id,
                               const WaitOptions& options) {
  internal::validate_id("workflow_id", workflow_id);
  internal::validate_id("job_id", job_id);
  if (options.poll_interval.count() <= 0) {
    throw InvalidArgumentError("WaitOptions::poll_interval must be positive");
  }
  if (options.max_poll_interval < options.poll_interval) {
    throw InvalidArgumentError("WaitOptions::max_poll_interval must not be below poll_interval");
  }
  if (options.timeout.count() < 0) {
    throw InvalidArgumentError("WaitOptions::timeout must not be negative");
  }
  const auto started = impl_->clock().now();
  std::string last_status;
  std::string last_failure;  // the last poll's error, when it failed
  // The time left to wait; throws TimeoutError once there is none.
  const auto time_left = [&]() -> Clock::duration {
    if (options.timeout.count() == 0) return Clock::duration::max();
    const auto left = options.timeout - (impl_->clock().now() - started);
    if (left > Clock::duration::zero()) return left;
    std::string what = "job " + std::string(job_id) + " did not finish within " +
                       std::to_string(options.timeout.count()) + " ms (last status: " +
                       (last_status.empty() ? "none" : impl_->redact(last_status));
    if (!last_failure.empty()) what += "; last poll failed: " + last_failure;
    throw TimeoutError(what + ")", true);
  };
  milliseconds pause = options.poll_interval;
  for (;;) {
    std::optional<Job> job;
    std::optional<milliseconds> retry_after;
    Clock::duration left{};
    try {
      job = get_job(workflow_id, job_id);
    } catch (const Error& e) {
      if (!is_retryable_poll_failure(e)) throw;
      last_failure = impl_->redact(e.what());
      left = time_left();
      if (options.on_poll_error) options.on_poll_error(e);
      if (const auto* api = dynamic_cast<const ApiError*>(&e)) retry_after = api->retry_after();
    }
    if (job) {
      last_status = job->status;
      last_failure.clear();
      if (options.on_update) options.on_update(*job);
      if (is_terminal_status(job->status)) return std::move(*job);
      left = time_left();
    }
    // A server that said when to come back is believed, but never past the wait's deadline;
    // a poll right at the deadline comes before giving up. Rounded up: a rest under 1 ms cut
    // to 0 would poll in a busy loop until the deadline.
    const Clock::duration nap = std::max<Clock::duration>(pause, retry_after.value_or(pause));
    impl_->clock().sleep_for(std::chrono::ceil<milliseconds>(std::min(nap, left)));
    pause = std::min(options.max_poll_interval, pause + pause / 2);
  }
}

}  // namespace pixxel
