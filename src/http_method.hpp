#ifndef PIXXEL_HTTP_METHOD_HPP_
#define PIXXEL_HTTP_METHOD_HPP_

// What HTTP (RFC 9110) says of request methods, for every layer that needs it: the retry rules,
// the redirect rules, the attempt pipeline and the libcurl exchange. Not public API.

#include <string_view>

namespace pixxel::internal {

// Whether a method may be sent twice without a second effect (RFC 9110 9.2.2).
bool is_idempotent(std::string_view method);

// The method that follows a redirect with `status` of a `method` request: GET after a 303, and
// after a 301 or 302 to a POST (RFC 9110 15.4, as browsers and libcurl do); else `method`.
std::string_view method_after_redirect(int status, std::string_view method);

}  // namespace pixxel::internal

#endif  // PIXXEL_HTTP_METHOD_HPP_
