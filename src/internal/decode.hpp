#ifndef PIXXEL_INTERNAL_DECODE_HPP_
#define PIXXEL_INTERNAL_DECODE_HPP_

// Decoding of whole answer bodies into models. Not public API.

#include <string_view>
#include <vector>

#include "pixxel/export.hpp"
#include "pixxel/models.hpp"

namespace pixxel::internal {

// Each parses `body` as JSON and decodes it with the rules of the models' from_json, moving
// strings and raw values out of the parsed document instead of copying them. Each throws
// pixxel::DecodeError with an empty path when the body is not JSON or not an object, and with
// the JSON path of the offending value otherwise.
//
// Exported (though internal) so that the tests can call them against a shared library.
PIXXEL_EXPORT Job decode_job(std::string_view body);
PIXXEL_EXPORT DownloadLink decode_download_link(std::string_view body);
// The body is {"jobs": [...]}; a missing or null "jobs" gives an empty list. Paths look like
// "jobs[2].tasks[0].progress".
PIXXEL_EXPORT std::vector<Job> decode_job_list(std::string_view body);

}  // namespace pixxel::internal

#endif  // PIXXEL_INTERNAL_DECODE_HPP_
