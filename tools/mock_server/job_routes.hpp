// The jobs API (/v0/) and the signed-URL route: what each request is answered, over the job
// store and fault injection.
#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "catalog_routes.hpp"
#include "faults.hpp"
#include "job_store.hpp"
#include "mock_options.hpp"
#include "routing.hpp"

namespace pixxel::mock::detail {

/// @par Thread Safety
/// `serve_api` and `serve_signed` may be called from any thread.
class JobRoutes {
 public:
  /// `base_url` gives the server's own URL, for the signed URLs it hands out.
  JobRoutes(const MockOptions& options, JobStore& store, FaultInjector& faults,
            std::function<std::string()> base_url);

  /// A request under /v0/: the latency, an injected fault if one is drawn, the key check,
  /// then the route (the catalog's workflow and project routes, or a jobs route).
  void serve_api(const httplib::Request& req, httplib::Response& res);
  /// GET /signed/{token}: the ZIP, without a key.
  void serve_signed(const httplib::Request& req, httplib::Response& res);

 private:
  using Handler = void (JobRoutes::*)(const httplib::Request&, httplib::Response&, const Captures&);
  struct Route {
    std::string method;
    std::regex pattern;
    Handler handler;
  };

  SteadyClock::time_point clock_now() const;
  std::string signed_url(const httplib::Request& req, std::shared_ptr<const JobRecord> job,
                         std::optional<std::size_t> task);

  void create_job(const httplib::Request& req, httplib::Response& res, const Captures& ids);
  void list_jobs(const httplib::Request& req, httplib::Response& res, const Captures& ids);
  void get_job(const httplib::Request& req, httplib::Response& res, const Captures& ids);
  void download_job(const httplib::Request& req, httplib::Response& res, const Captures& ids);
  void download_task(const httplib::Request& req, httplib::Response& res, const Captures& ids);

  const MockOptions& options_;
  JobStore& store_;
  FaultInjector& faults_;
  const std::function<std::string()> base_url_;
  const std::vector<Route> routes_;
  const CatalogRoutes catalog_;
};

}  // namespace pixxel::mock::detail
