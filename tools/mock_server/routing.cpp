#include "routing.hpp"

#include "url.hpp"  // the SDK's own helpers (pixxel_util), compiled in

namespace pixxel::mock::detail {

std::string raw_path(const httplib::Request& req) {
  return req.target.substr(0, req.target.find('?'));
}

std::optional<Captures> match_route(const httplib::Request& req, const std::string& method,
                                    const std::regex& pattern) {
  const std::string path = raw_path(req);
  std::smatch match;
  if (method != req.method || !std::regex_match(path, match, pattern)) return std::nullopt;
  Captures captures;
  for (std::size_t i = 1; i < match.size(); ++i) {
    captures.push_back(internal::percent_decode(match.str(i)));
  }
  return captures;
}

}  // namespace pixxel::mock::detail
