#ifndef PIXXEL_REDIRECT_HPP_
#define PIXXEL_REDIRECT_HPP_

// The redirect rules: the client follows redirects itself, so that it alone decides where the
// key may go. Not public API.

#include <chrono>
#include <optional>
#include <string>

#include "pixxel/errors.hpp"
#include "pixxel/transport.hpp"
#include "url.hpp"

namespace pixxel::internal {

inline constexpr int kMaxRedirects = 5;

// A redirect the client will not follow. Final: the next attempt would be sent the same way.
class RedirectRefused final : public TransportError {
 public:
  explicit RedirectRefused(const std::string& what) : TransportError(what, true) {}
};

// The request that follows `response` to `request`, or nullopt when it is not a redirect to
// follow. The key (Authorization) goes to `home` alone, never to another scheme, host or
// port; plain http is refused (RedirectRefused) on every hop, as for the first URL, unless
// `allow_insecure_http` or the host is loopback; 303, and 301/302 after a POST, continue as GET.
// The next hop's timeout is what is left until `deadline` (when the request has one). Throws
// TransportError after `hop` reached kMaxRedirects and TimeoutError past `deadline`.
std::optional<HttpRequest> follow_redirect(const HttpRequest& request, const HttpResponse& response,
                                           int hop, const Origin& home, bool allow_insecure_http,
                                           std::chrono::steady_clock::time_point now,
                                           std::chrono::steady_clock::time_point deadline);

}  // namespace pixxel::internal

#endif  // PIXXEL_REDIRECT_HPP_
