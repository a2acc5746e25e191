#include "redirect.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "http_method.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"
#include "text.hpp"

namespace pixxel::internal {
namespace {

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::optional<HttpRequest> follow_redirect(const HttpRequest& request, const HttpResponse& response,
                                           int hop, const Origin& home, bool allow_insecure_http,
                                           std::chrono::steady_clock::time_point now,
                                           std::chrono::steady_clock::time_point deadline) {
  const int status = response.status_code;
  if (!is_redirect(status)) return std::nullopt;
  auto location = find_header(response.headers, "Location");
  auto current = parse_url(request.url);
  if (!location || !current) return std::nullopt;
  auto next_url = resolve_location(*current, *location);
  auto next = next_url ? parse_url(*next_url) : std::nullopt;
  if (!next) return std::nullopt;
  if (next->origin.scheme == "http" && !is_loopback_host(next->origin.host) &&
      !allow_insecure_http) {
    // Checked on every hop, not only the first URL: an answer from plain http can be forged or
    // read on the way, whatever origin sent us there.
    throw RedirectRefused(request.method + " " + loggable_url(request) +
                          ": refused to follow a redirect to plain http on " + next->origin.host +
                          " (set allow_insecure_http to allow it)");
  }
  if (hop >= kMaxRedirects) {
    throw TransportError(request.method + " " + loggable_url(request) + ": more than " +
                         std::to_string(kMaxRedirects) + " redirects");
  }
  HttpRequest out = request;
  out.url = std::move(*next_url);
  if (next->origin != home) {
    out.headers.erase(
        std::remove_if(out.headers.begin(), out.headers.end(),
                       [](const auto& h) { return iequals(h.first, "Authorization"); }),
        out.headers.end());
  }
  if (std::string_view method = method_after_redirect(status, out.method); method != out.method) {
    out.method = std::string(method);
    out.body.clear();
  }
  if (out.timeout.count() > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (left.count() <= 0) {
      throw TimeoutError(request.method + " " + loggable_url(request) +
                         ": timed out while following redirects");
    }
    out.timeout = left;
  }
  return out;
}

}  // namespace pixxel::internal
