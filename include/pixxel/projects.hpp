#ifndef PIXXEL_PROJECTS_HPP_
#define PIXXEL_PROJECTS_HPP_

/// @file
/// Projects: what `PixxelClient::list_projects` and `get_project` answer, and the page of a
/// project listing.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pixxel/export.hpp"

namespace pixxel {

/// A project: the unit jobs are created (and billed) in. Timestamps are kept as sent; read
/// them with `parse_timestamp()`.
struct Project {
  std::string id;
  std::string name;    ///< The project's slug.
  std::string title;   ///< The project's display name.
  std::string org_id;  ///< The workspace the project belongs to.
  std::string description;
  std::int64_t members_count = 0;  ///< Users in the project.
  std::string created_at;
  std::string updated_at;
  nlohmann::json metadata;  ///< Key-value pairs, kept as the JSON value that arrived.

  PIXXEL_EXPORT friend bool operator==(const Project& a, const Project& b);
  friend bool operator!=(const Project& a, const Project& b) { return !(a == b); }
};

/// One page of projects: `PixxelClient::list_projects`.
///
/// `total` counts the projects of every page. Pixxel's reference sends it as `count`, its
/// guide as `pagination.total`; both decode into it (`count` wins when both are non-zero).
struct ProjectPage {
  std::vector<Project> projects;
  std::int64_t total = 0;

  PIXXEL_EXPORT friend bool operator==(const ProjectPage& a, const ProjectPage& b);
  friend bool operator!=(const ProjectPage& a, const ProjectPage& b) { return !(a == b); }
};

/// The page of `PixxelClient::list_projects`; both are always sent.
struct ListProjectsQuery {
  std::int64_t page_num = 1;    ///< Which page, from 1.
  std::int64_t page_size = 50;  ///< Projects per page; at least 1.
};

/// @name JSON adapters
/// As for the job models (see `pixxel/jobs.hpp`). `from_json` for a `Project` also takes
/// the project wrapped as `{"project": {...}}` (what Pixxel's reference shows `get_project`
/// answering); `to_json` writes the bare object. A `ProjectPage` is written as
/// `{"projects": [...], "count": total}`.
/// @{
PIXXEL_EXPORT void to_json(nlohmann::json& j, const Project& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, Project& v);
PIXXEL_EXPORT void to_json(nlohmann::json& j, const ProjectPage& v);
PIXXEL_EXPORT void from_json(const nlohmann::json& j, ProjectPage& v);
/// @}

}  // namespace pixxel

#endif  // PIXXEL_PROJECTS_HPP_
