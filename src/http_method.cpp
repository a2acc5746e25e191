#include "http_method.hpp"

namespace pixxel::internal {

bool is_idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

std::string_view method_after_redirect(int status, std::string_view method) {
  if (status == 303 || ((status == 301 || status == 302) && method == "POST")) return "GET";
  return method;
}

}  // namespace pixxel::internal
