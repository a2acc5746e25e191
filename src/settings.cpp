#include "settings.hpp"

#include <cmath>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "pixxel/errors.hpp"
#include "pixxel/version.hpp"
#include "redact.hpp"
#include "text.hpp"

namespace pixxel::internal {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kDefaultBaseUrl = "https://api.pixxel.space";

std::string from_env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

void check_duration(std::string_view name, milliseconds value) {
  if (value.count() < 0) {
    throw ConfigurationError(std::string(name) + " must not be negative", std::string(name));
  }
}

// A URL with user info may carry a password, and any URL may carry the key: never echo them.
std::string describe_url(const std::string& url, std::string_view key) {
  return url.find('@') == std::string::npos ? "\"" + redact(url, key) + "\"" : "(redacted)";
}

}  // namespace

std::string retry_policy_problem(const RetryPolicy& retry, const std::string& prefix) {
  if (retry.max_retries < 0) return prefix + "max_retries must not be negative";
  if (retry.initial_backoff.count() < 0) return prefix + "initial_backoff must not be negative";
  if (retry.max_backoff.count() < 0) return prefix + "max_backoff must not be negative";
  if (retry.max_retry_after.count() < 0) return prefix + "max_retry_after must not be negative";
  if (!(retry.multiplier >= 1.0) || !std::isfinite(retry.multiplier)) {
    return prefix + "multiplier must be a finite number of at least 1";
  }
  return {};
}

Settings resolve_settings(ClientOptions options) {
  Settings out;
  ClientOptions& o = out.options;
  o = std::move(options);
  if (o.api_key.empty()) o.api_key = from_env("PIXXEL_API_KEY");
  if (o.api_key.empty()) {
    throw ConfigurationError(
        "no API key: set ClientOptions::api_key or the PIXXEL_API_KEY environment variable",
        "api_key");
  }
  if (has_control_chars(o.api_key)) {
    throw ConfigurationError("the API key must not contain control characters (CR, LF, ...)",
                             "api_key");
  }
  if (has_control_chars(o.user_agent)) {
    throw ConfigurationError("user_agent must not contain control characters", "user_agent");
  }

  std::string url = o.base_url.empty() ? from_env("PIXXEL_BASE_URL") : o.base_url;
  if (url.empty()) url = std::string(kDefaultBaseUrl);
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto parsed = parse_url(url);
  if (!parsed) {
    throw ConfigurationError(
        "base_url " + describe_url(url, o.api_key) + " is not an absolute http:// or https:// URL",
        "base_url");
  }
  if (parsed->path_and_query.find_first_of("?#") != std::string::npos) {
    throw ConfigurationError(
        "base_url " + describe_url(url, o.api_key) + " must not have a query or a fragment",
        "base_url");
  }
  if (parsed->origin.scheme == "http" && !is_loopback_host(parsed->origin.host) &&
      !o.allow_insecure_http) {
    throw ConfigurationError("base_url " + describe_url(url, o.api_key) +
                                 " would send the API key in clear text; use https, or set "
                                 "allow_insecure_http",
                             "allow_insecure_http");
  }
  o.base_url = std::move(url);
  out.base = std::move(*parsed);

  check_duration("connect_timeout", o.connect_timeout);
  check_duration("timeout", o.timeout);
  if (std::string problem = retry_policy_problem(o.retry, "retry."); !problem.empty()) {
    throw ConfigurationError(problem, "retry");
  }
  if (o.max_response_bytes == 0) {
    throw ConfigurationError("max_response_bytes must be positive", "max_response_bytes");
  }
  if (o.max_concurrent_requests == 0) {
    throw ConfigurationError("max_concurrent_requests must be positive", "max_concurrent_requests");
  }
  if (o.http_version != HttpVersion::automatic && o.http_version != HttpVersion::http1_1) {
    throw ConfigurationError("http_version is not one of HttpVersion's values");
  }
  if (o.transport && o.http_version != HttpVersion::automatic) {
    throw ConfigurationError(
        "http_version applies to the built-in transport; with a custom transport, choose the "
        "HTTP version there");
  }
  if (o.transport && (!o.verify_tls || !o.ca_bundle.empty())) {
    // They configure the built-in transport; a custom one would silently ignore them.
    throw ConfigurationError(
        "verify_tls and ca_bundle apply to the built-in transport; with a custom transport, "
        "configure TLS there",
        "verify_tls");
  }
  if (!o.transport) {
    o.transport =
        make_curl_transport({o.verify_tls, o.ca_bundle, o.max_concurrent_requests, o.http_version});
  }

  std::string agent = std::string("pixxel-cpp/") + version();
  if (!o.user_agent.empty()) agent += " " + o.user_agent;
  out.headers = {{"Authorization", o.api_key},
                 {"Accept", "application/json"},
                 {"User-Agent", std::move(agent)}};
  return out;
}

}  // namespace pixxel::internal
