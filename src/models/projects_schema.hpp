#ifndef PIXXEL_MODELS_PROJECTS_SCHEMA_HPP_
#define PIXXEL_MODELS_PROJECTS_SCHEMA_HPP_

// The tables of the project models (pixxel/projects.hpp): the one place their JSON keys are
// named (see decode/schema.hpp). Not public API.

#include <cstdint>
#include <string_view>
#include <tuple>
#include <utility>

#include "decode/schema.hpp"
#include "models/workflows_schema.hpp"  // Pagination
#include "pixxel/projects.hpp"

namespace pixxel::internal {

template <>
struct Schema<Project> {
  static constexpr std::string_view identity = "id";
  static constexpr std::tuple fields{
      field<&Project::id>("id"),
      field<&Project::name>("name"),
      field<&Project::title>("title"),
      field<&Project::org_id>("org_id"),
      field<&Project::description>("description"),
      field<&Project::members_count>("members_count"),
      field<&Project::created_at>("created_at"),
      field<&Project::updated_at>("updated_at"),
      field<&Project::metadata>("metadata"),
  };
};

// Pixxel's reference wraps a project as {"project": {...}}, its guide answers the bare
// object: the draft reads both, and the wrapped one wins when it holds anything.
struct ProjectDraft : Project {
  Project wrapped;
};

template <>
struct Schema<ProjectDraft> {
  static constexpr std::string_view identity = Schema<Project>::identity;
  static constexpr std::string_view identity_or = "project";
  static constexpr auto fields =
      extend(Schema<Project>::fields, field<&ProjectDraft::wrapped>("project"));
};

template <>
struct Draft<Project> {
  using type = ProjectDraft;
  static Project finish(ProjectDraft&& d) {
    if (d.wrapped != Project{}) return std::move(d.wrapped);
    return std::move(static_cast<Project&>(d));
  }
};

// to_json writes the total as `count`, the reference's spelling.
template <>
struct Schema<ProjectPage> {
  static constexpr std::tuple fields{
      field<&ProjectPage::projects>("projects"),
      field<&ProjectPage::total>("count"),
  };
};

// The total of a project listing: `count` (reference) or `pagination.total` (guide).
struct ProjectPageDraft : ProjectPage {
  Pagination pagination;
};

template <>
struct Schema<ProjectPageDraft> {
  static constexpr auto fields =
      extend(Schema<ProjectPage>::fields, field<&ProjectPageDraft::pagination>("pagination"));
};

template <>
struct Draft<ProjectPage> {
  using type = ProjectPageDraft;
  static ProjectPage finish(ProjectPageDraft&& d) {
    if (d.total == 0) d.total = d.pagination.total;
    return std::move(static_cast<ProjectPage&>(d));
  }
};

}  // namespace pixxel::internal

#endif  // PIXXEL_MODELS_PROJECTS_SCHEMA_HPP_
