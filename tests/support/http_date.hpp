#ifndef PIXXEL_TESTS_SUPPORT_HTTP_DATE_HPP_
#define PIXXEL_TESTS_SUPPORT_HTTP_DATE_HPP_

#include <chrono>
#include <ctime>
#include <string>

namespace pixxel::testing {

// An IMF-fixdate (the Retry-After form) `ahead` from now, truncated to whole seconds as
// servers send it.
inline std::string http_date_in(std::chrono::seconds ahead) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + ahead);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[64];
  std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return date;
}

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_HTTP_DATE_HPP_
