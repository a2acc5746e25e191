// The project models' adapters and answers. Their fields are named in projects_schema.hpp
// alone.

#include "pixxel/projects.hpp"

#include <string_view>

#include "decode/decode.hpp"
#include "models/adapters.hpp"
#include "models/projects_schema.hpp"

namespace pixxel {

PIXXEL_MODEL_ADAPTERS(Project)
PIXXEL_MODEL_ADAPTERS(ProjectPage)

namespace internal {

ProjectPage decode_project_page(std::string_view body, std::string_view secret) {
  return decode_body<ProjectPage>(body, secret);
}

Project decode_project(std::string_view body, std::string_view secret) {
  return decode_body<Project>(body, secret);
}

}  // namespace internal
}  // namespace pixxel
