#ifndef PIXXEL_INTERNAL_DECODE_HPP_
#define PIXXEL_INTERNAL_DECODE_HPP_

// Decoding of whole answer bodies into models. Not public API.

#include <string_view>
#include <vector>

#include "pixxel/models.hpp"

namespace pixxel::internal {

// Each decodes `body` with the rules of the models' from_json, and gives exactly what parsing
// it with nlohmann::json::parse and calling from_json would (values and errors alike), but
// reads the bytes straight into the models (decode_sax.cpp): only the raw members get a DOM,
// of their own subtree, so memory stays near the size of the result. Each throws
// pixxel::DecodeError with an empty path when the body is not JSON or not an object, and with
// the JSON path of the offending value otherwise. Every spelling of `secret` (the API key,
// which an answer may echo) is redacted from an error's text before the text is clipped.
Job decode_job(std::string_view body, std::string_view secret = {});
DownloadLink decode_download_link(std::string_view body, std::string_view secret = {});
// The body is {"jobs": [...]}; a missing or null "jobs" gives an empty list. Paths look like
// "jobs[2].tasks[0].progress".
std::vector<Job> decode_job_list(std::string_view body, std::string_view secret = {});

}  // namespace pixxel::internal

#endif  // PIXXEL_INTERNAL_DECODE_HPP_
