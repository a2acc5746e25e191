#include "endpoints.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "pixxel/errors.hpp"
#include "text.hpp"
#include "url.hpp"

namespace pixxel::internal {

void validate_id(std::string_view name, std::string_view id) {
  if (id.empty()) throw InvalidArgumentError(std::string(name) + " must not be empty");
  if (id == "." || id == "..") {
    throw InvalidArgumentError(std::string(name) + " must not be \"" + std::string(id) + "\"");
  }
  if (has_control_chars(id)) {
    throw InvalidArgumentError(std::string(name) + " must not contain control characters");
  }
}

HttpRequest build_request(const Settings& settings, const Endpoint& endpoint,
                          std::initializer_list<PathParam> path,
                          std::initializer_list<QueryParam> query) {
  for (const auto& p : path) validate_id(p.name, p.value);
  for (const auto& q : query) {
    const std::string_view label = q.label.empty() ? q.name : q.label;
    if (q.required) validate_id(label, q.value);
    if (has_control_chars(q.value)) {
      throw InvalidArgumentError(std::string(label) + " must not contain control characters");
    }
  }

  std::string url = settings.options.base_url;
  std::string_view rest = endpoint.path;
  while (!rest.empty()) {
    const auto open = rest.find('{');
    url += rest.substr(0, open);
    if (open == std::string_view::npos) break;
    const auto close = rest.find('}', open);
    const std::string_view name = rest.substr(open + 1, close - open - 1);
    const PathParam* param = nullptr;
    for (const auto& p : path) {
      if (p.name == name) param = &p;
    }
    if (param == nullptr) throw std::logic_error("no value for {" + std::string(name) + "}");
    append_percent_encoded(url, param->value);
    rest.remove_prefix(close + 1);
  }
  char separator = '?';
  for (const auto& q : query) {
    if (q.value.empty()) continue;
    url += separator;
    append_percent_encoded(url, q.name);
    url += '=';
    append_percent_encoded(url, q.value);
    separator = '&';
  }

  const ClientOptions& o = settings.options;
  HttpRequest request;
  request.method = std::string(endpoint.method);
  request.url = std::move(url);
  request.headers = settings.headers;
  if (!endpoint.authorized) {
    request.headers.erase(std::remove_if(request.headers.begin(), request.headers.end(),
                                         [](const auto& h) { return h.first == "Authorization"; }),
                          request.headers.end());
  }
  request.connect_timeout = o.connect_timeout;
  request.timeout = o.timeout;
  request.max_response_bytes = o.max_response_bytes;
  return request;
}

}  // namespace pixxel::internal
