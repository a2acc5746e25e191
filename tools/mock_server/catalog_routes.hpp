// The workflow, estimate and project routes of the API (/v0/workflows, /v0/projects), over the
// seeded catalog. They are reached through JobRoutes::serve_api, after its latency, fault and
// key checks, like every /v0/ route.
#pragma once

#include <httplib.h>

#include <regex>
#include <string>
#include <vector>

#include "routing.hpp"

namespace pixxel::mock::detail {

/// @par Thread Safety
/// `serve` may be called from any thread: the catalog is read-only.
class CatalogRoutes {
 public:
  CatalogRoutes();

  /// Answers `req` and returns true if it is one of these routes; false, leaving `res` alone,
  /// otherwise.
  bool serve(const httplib::Request& req, httplib::Response& res) const;

 private:
  using Handler = void (*)(const httplib::Request&, httplib::Response&, const Captures&);
  struct Route {
    std::string method;
    std::regex pattern;
    Handler handler;
  };

  const std::vector<Route> routes_;
};

}  // namespace pixxel::mock::detail
