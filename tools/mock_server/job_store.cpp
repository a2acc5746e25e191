#include "job_store.hpp"

#include <iterator>
#include <utility>

#include "encoding.hpp"
#include "random.hpp"

namespace pixxel::mock::detail {

JobStore::JobStore(std::uint64_t seed, std::chrono::milliseconds job_duration)
    : job_duration_(job_duration) {
  id_rng_.seed(splitmix64(seed));
  id_salt_ = id_rng_();
  for (std::size_t i = 0; i < kTaskCount; ++i) block_ids_[i] = make_id_locked();
}

void JobStore::set_job_duration(std::chrono::milliseconds duration) {
  std::lock_guard<std::mutex> lock(mutex_);
  job_duration_ = duration;
}

std::shared_ptr<const JobRecord> JobStore::add(std::shared_ptr<JobRecord> job,
                                               const std::function<void()>& while_stored) {
  std::lock_guard<std::mutex> lock(mutex_);
  job->duration = job_duration_;
  job->id = make_id_locked();
  for (std::size_t i = 0; i < kTaskCount; ++i) {
    job->tasks[i] = TaskRecord{make_id_locked(), kTaskNames[i], block_ids_[i]};
  }
  job_index_.emplace(job->id, jobs_.size());
  jobs_.push_back(job);
  if (while_stored) while_stored();
  return job;
}

std::shared_ptr<const JobRecord> JobStore::find(const std::string& workflow_id,
                                                const std::string& job_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = job_index_.find(job_id);
  if (found == job_index_.end() || jobs_[found->second]->workflow_id != workflow_id) {
    return nullptr;
  }
  return jobs_[found->second];
}

std::vector<std::shared_ptr<const JobRecord>> JobStore::jobs() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_;
}

std::size_t JobStore::job_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.size();
}

std::string JobStore::add_link(std::shared_ptr<const JobRecord> job,
                               std::optional<std::size_t> task, SteadyClock::time_point now,
                               SteadyClock::time_point expires) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto link = links_.begin(); link != links_.end();) {
    link = now >= link->second.expires ? links_.erase(link) : std::next(link);
  }
  std::string token = make_id_locked();
  links_.emplace(token, SignedLink{std::move(job), task, expires});
  return token;
}

std::optional<SignedLink> JobStore::record_download(const std::string& token,
                                                    std::optional<std::string> authorization) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++download_count_;
  last_download_authorization_ = std::move(authorization);
  const auto found = links_.find(token);
  if (found == links_.end()) return std::nullopt;
  return found->second;
}

std::size_t JobStore::download_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return download_count_;
}

std::optional<std::string> JobStore::last_download_authorization() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_download_authorization_;
}

std::string JobStore::make_id_locked() {
  return hex16(splitmix64(id_salt_ + id_counter_++)) + hex16(id_rng_());
}

}  // namespace pixxel::mock::detail
