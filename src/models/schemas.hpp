#ifndef PIXXEL_MODELS_SCHEMAS_HPP_
#define PIXXEL_MODELS_SCHEMAS_HPP_

// Every family's tables, so that whoever decodes sees each model's Draft<> (a translation unit
// that saw only the primary template would decode a drafted model the wrong way). A new family
// adds its `<family>_schema.hpp` here. Not public API.

#include "models/jobs_schema.hpp"       // IWYU pragma: export
#include "models/projects_schema.hpp"   // IWYU pragma: export
#include "models/workflows_schema.hpp"  // IWYU pragma: export

#endif  // PIXXEL_MODELS_SCHEMAS_HPP_
