// What an exception of the SDK means to a user of the pixxel CLI: its exit code, its "type",
// and a message that names the flag, variable or profile to change.
#ifndef PIXXEL_CLI_DESCRIBE_ERROR_HPP_
#define PIXXEL_CLI_DESCRIBE_ERROR_HPP_

#include <chrono>
#include <string>

#include "error_report.hpp"

namespace pixxel_cli {

// What the user set and where, so that advice names the flag or variable to change.
struct ErrorContext {
  bool json = false;      // report errors as JSON
  bool key_given = true;  // a key came from somewhere
  // "--api-key", "PIXXEL_API_KEY", or `profile "NAME" in FILE`.
  std::string key_source = "PIXXEL_API_KEY";
  // "--base-url", "PIXXEL_BASE_URL", `profile "NAME" in FILE`, or empty.
  std::string base_url_source;
  std::chrono::milliseconds max_retry_after{60000};  // the longest Retry-After honoured
};

// What the current exception means to a CLI user. Call only from inside a catch block.
ErrorReport describe_current_exception(const ErrorContext& context = {});

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_DESCRIBE_ERROR_HPP_
