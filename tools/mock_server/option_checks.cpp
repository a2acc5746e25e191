#include "option_checks.hpp"

#include <stdexcept>
#include <string>

namespace pixxel::mock::detail {

void check_rate(double rate, const char* name) {
  if (!(rate >= 0 && rate <= 1)) {
    throw std::invalid_argument(std::string("MockOptions::") + name + " must be between 0 and 1");
  }
}

void check_not_negative(std::chrono::milliseconds value, const char* name) {
  if (value.count() < 0) {
    throw std::invalid_argument(std::string("MockOptions::") + name + " must not be negative");
  }
}

MockOptions validated(MockOptions options) {
  check_rate(options.fail_rate, "fail_rate");
  check_rate(options.rate_limit_rate, "rate_limit_rate");
  check_rate(options.fail_after_create_rate, "fail_after_create_rate");
  check_not_negative(options.job_duration, "job_duration");
  check_not_negative(options.latency, "latency");
  check_not_negative(options.signed_url_ttl, "signed_url_ttl");
  if (options.retry_after_seconds < 0) {
    throw std::invalid_argument("MockOptions::retry_after_seconds must not be negative");
  }
  if (options.port < 0 || options.port > 65535) {
    throw std::invalid_argument("MockOptions::port must be between 0 and 65535");
  }
  if (options.api_key.empty()) {
    throw std::invalid_argument("MockOptions::api_key must not be empty");
  }
  return options;
}

}  // namespace pixxel::mock::detail
