// How /v0/ routes are matched: on the raw request target, each captured segment decoded on its
// own (see mock_server.cpp for why httplib's own matching will not do).
#pragma once

#include <httplib.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace pixxel::mock::detail {

using Captures = std::vector<std::string>;

// The percent-decoded captures of `pattern` when `req` is `method` on a path it matches.
std::optional<Captures> match_route(const httplib::Request& req, const std::string& method,
                                    const std::regex& pattern);

// The path of the raw target, still percent-encoded.
std::string raw_path(const httplib::Request& req);

}  // namespace pixxel::mock::detail
