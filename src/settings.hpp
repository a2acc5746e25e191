#ifndef PIXXEL_SETTINGS_HPP_
#define PIXXEL_SETTINGS_HPP_

// A client's options once resolved (environment read, defaults applied) and checked: what
// every call reads. Not public API.

#include <string>

#include "pixxel/curl_transport.hpp"
#include "pixxel/options.hpp"
#include "url.hpp"

namespace pixxel::internal {

struct Settings {
  ClientOptions options;  // api_key and base_url filled in
  ParsedUrl base;         // the parsed base_url: the only origin the key may go to
  Headers headers;        // sent with every API request: Authorization, Accept, User-Agent
};

// Resolves and checks `options`; throws ConfigurationError. Does no I/O.
Settings resolve_settings(ClientOptions options);

// What is wrong with `retry`, its fields named after `prefix` ("retry." for the client's), or
// "" when nothing is.
std::string retry_policy_problem(const RetryPolicy& retry, const std::string& prefix);

}  // namespace pixxel::internal

#endif  // PIXXEL_SETTINGS_HPP_
