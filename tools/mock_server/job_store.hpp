// Everything the mock remembers: its jobs, the signed download links it handed out, and what
// the signed-URL route received. Ids come from one seeded generator, so a seed fixes them.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "job_model.hpp"

namespace pixxel::mock::detail {

struct SignedLink {
  std::shared_ptr<const JobRecord> job;
  std::optional<std::size_t> task;  // nullopt: the whole job
  SteadyClock::time_point expires;
};

/// @par Thread Safety
/// Every member function may be called from any thread.
class JobStore {
 public:
  JobStore(std::uint64_t seed, std::chrono::milliseconds job_duration);

  void set_job_duration(std::chrono::milliseconds duration);  // for jobs added afterwards

  /// Gives `job` its ids and duration and stores it. `while_stored` runs under the store's
  /// lock right after, so that whatever it draws follows the order in which jobs are stored.
  std::shared_ptr<const JobRecord> add(std::shared_ptr<JobRecord> job,
                                       const std::function<void()>& while_stored);
  std::shared_ptr<const JobRecord> find(const std::string& workflow_id,
                                        const std::string& job_id) const;
  std::vector<std::shared_ptr<const JobRecord>> jobs() const;  // in the order they were added
  std::size_t job_count() const;

  /// A new token for a link to `job` (or its task) that expires at `expires`; links expired
  /// at `now` are forgotten on the way.
  std::string add_link(std::shared_ptr<const JobRecord> job, std::optional<std::size_t> task,
                       SteadyClock::time_point now, SteadyClock::time_point expires);
  /// Counts a request to the signed-URL route and keeps its Authorization header; returns
  /// the link of `token` if there is one (expired or not).
  std::optional<SignedLink> record_download(const std::string& token,
                                            std::optional<std::string> authorization);
  std::size_t download_count() const;
  std::optional<std::string> last_download_authorization() const;

 private:
  std::string make_id_locked();

  mutable std::mutex mutex_;  // guards everything below
  std::mt19937_64 id_rng_;
  std::uint64_t id_salt_ = 0;
  std::uint64_t id_counter_ = 0;
  std::chrono::milliseconds job_duration_;
  std::array<std::string, kTaskCount> block_ids_;
  std::vector<std::shared_ptr<const JobRecord>> jobs_;
  std::unordered_map<std::string, std::size_t> job_index_;
  std::unordered_map<std::string, SignedLink> links_;
  std::size_t download_count_ = 0;
  std::optional<std::string> last_download_authorization_;
};

}  // namespace pixxel::mock::detail
