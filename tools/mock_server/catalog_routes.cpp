#include "catalog_routes.hpp"

#include <charconv>
#include <cstdint>
#include <optional>

#include "catalog.hpp"
#include "responses.hpp"
#include "time_format.hpp"

namespace pixxel::mock::detail {
namespace {

constexpr std::int64_t kDefaultLimit = 50;
constexpr std::int64_t kMaxLimit = 1000;

// The query parameter `name` as an integer in [min, max], `fallback` when it is absent. Sends
// a 400 naming the parameter and returns nullopt when it is present but not such an integer
// (signs, spaces and empty values included).
std::optional<std::int64_t> integer_param(const httplib::Request& req, httplib::Response& res,
                                          const char* name, std::int64_t fallback, std::int64_t min,
                                          std::int64_t max) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  const auto parsed = std::from_chars(text.data(), end, value);
  if (!digits || parsed.ec != std::errc() || parsed.ptr != end || value < min || value > max) {
    std::string range = min == 0 ? "a non-negative integer" : "a positive integer";
    if (max < INT64_MAX) {
      range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    }
    send_error(res, 400, std::string("query parameter ") + name + " must be " + range);
    return std::nullopt;
  }
  return value;
}

// A date filter (YYYY-MM-DD, or a timestamp whose UTC day is meant). An absent or empty one
// filters nothing (nullopt, ok); a malformed one sends a 400 and clears `ok`.
std::optional<std::int64_t> day_param(const httplib::Request& req, httplib::Response& res,
                                      const char* name, bool& ok) {
  const std::string text = req.get_param_value(name);
  if (text.empty()) return std::nullopt;
  const auto day = parse_utc_day(text);
  if (!day) {
    send_error(res, 400,
               std::string("query parameter ") + name +
                   " must be an ISO 8601 date (YYYY-MM-DD) or timestamp");
    ok = false;
  }
  return day;
}

void send_workflow_not_found(httplib::Response& res, const std::string& workflow_id) {
  send_error(res, 404, "workflow \"" + workflow_id + "\" not found");
}

void list_workflows(const httplib::Request& req, httplib::Response& res, const Captures&) {
  const auto offset = integer_param(req, res, "offset", 0, 0, INT64_MAX);
  if (!offset) return;
  const auto limit = integer_param(req, res, "limit", kDefaultLimit, 1, kMaxLimit);
  if (!limit) return;
  bool ok = true;
  const auto created_on = day_param(req, res, "created_on", ok);
  if (!ok) return;
  const auto updated_on = day_param(req, res, "updated_at", ok);
  if (!ok) return;

  const auto exact = [&](const char* name, const std::string& value) {
    const std::string wanted = req.get_param_value(name);
    return wanted.empty() || wanted == value;
  };
  std::vector<const WorkflowRecord*> matching;
  for (const WorkflowRecord& w : seeded_workflows()) {
    if (!exact("project_id", w.project_id) || !exact("id", w.id) || !exact("name", w.name) ||
        !exact("created_by", w.created_by)) {
      continue;
    }
    if (created_on && parse_utc_day(w.created_at) != created_on) continue;
    if (updated_on && parse_utc_day(w.updated_at) != updated_on) continue;
    matching.push_back(&w);
  }

  const auto total = static_cast<std::int64_t>(matching.size());
  json page = json::array();
  for (std::int64_t i = *offset; i < total && i - *offset < *limit; ++i) {
    page.push_back(render_workflow_summary(*matching[static_cast<std::size_t>(i)]));
  }
  json pagination;
  pagination["limit"] = *limit;
  pagination["offset"] = *offset;
  pagination["total"] = total;
  send_json(res, 200, {{"workflows", std::move(page)}, {"pagination", std::move(pagination)}});
}

void get_workflow(const httplib::Request& req, httplib::Response& res, const Captures& ids) {
  const std::string project_id = req.get_param_value("project_id");
  if (project_id.empty()) {
    send_error(res, 400, "query parameter project_id is required");
    return;
  }
  const WorkflowRecord* workflow = find_workflow(ids[0]);
  if (!workflow) return send_workflow_not_found(res, ids[0]);
  if (workflow->project_id != project_id) {
    send_error(res, 404, "workflow \"" + ids[0] + "\" not found in project \"" + project_id + "\"");
    return;
  }
  send_json(res, 200, render_workflow(*workflow));
}

void estimate_cost(const httplib::Request&, httplib::Response& res, const Captures& ids) {
  const WorkflowRecord* workflow = find_workflow(ids[0]);
  if (!workflow) return send_workflow_not_found(res, ids[0]);
  send_json(res, 200, {{"estimated_cost", workflow->estimated_cost}});
}

void list_projects(const httplib::Request& req, httplib::Response& res, const Captures&) {
  const auto page_num = integer_param(req, res, "page_num", 1, 1, INT64_MAX);
  if (!page_num) return;
  const auto page_size = integer_param(req, res, "page_size", kDefaultLimit, 1, kMaxLimit);
  if (!page_size) return;

  const auto& projects = seeded_projects();
  const auto total = static_cast<std::int64_t>(projects.size());
  json page = json::array();
  // Pages past the end are empty; the division keeps a huge page_num from overflowing.
  if (*page_num - 1 <= total / *page_size) {
    const std::int64_t first = (*page_num - 1) * *page_size;
    for (std::int64_t i = first; i < total && i < first + *page_size; ++i) {
      page.push_back(render_project(projects[static_cast<std::size_t>(i)]));
    }
  }
  send_json(res, 200, {{"projects", std::move(page)}, {"count", total}});
}

void get_project(const httplib::Request&, httplib::Response& res, const Captures& ids) {
  const ProjectRecord* project = find_project(ids[0]);
  if (!project) {
    send_error(res, 404, "project \"" + ids[0] + "\" not found");
    return;
  }
  send_json(res, 200, {{"project", render_project(*project)}});
}

}  // namespace

CatalogRoutes::CatalogRoutes()
    : routes_{
          {"GET", std::regex(R"(/v0/workflows)"), &list_workflows},
          {"GET", std::regex(R"(/v0/workflows/([^/]+))"), &get_workflow},
          {"GET", std::regex(R"(/v0/workflows/([^/]+)/estimate)"), &estimate_cost},
          {"GET", std::regex(R"(/v0/projects)"), &list_projects},
          {"GET", std::regex(R"(/v0/projects/([^/]+))"), &get_project},
      } {}

bool CatalogRoutes::serve(const httplib::Request& req, httplib::Response& res) const {
  for (const Route& route : routes_) {
    if (const auto captures = match_route(req, route.method, route.pattern)) {
      route.handler(req, res, *captures);
      return true;
    }
  }
  return false;
}

}  // namespace pixxel::mock::detail
