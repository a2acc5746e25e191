// How the pixxel CLI reports an error: one line (and its hints) on stderr, or with --json one
// JSON object whose "type" names the class of error.
#ifndef PIXXEL_CLI_ERROR_REPORT_HPP_
#define PIXXEL_CLI_ERROR_REPORT_HPP_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exit_codes.hpp"

namespace pixxel_cli {

// One error as the CLI reports it.
struct ErrorReport {
  int exit_code = kUnexpected;
  std::string type;           // stable, one per class: "not_found", "rate_limited", "usage", ...
  std::string message;        // for people: "not found: Pixxel API error 404 ..."
  std::optional<int> status;  // the HTTP status, when there was an answer
  std::string code;           // the API's error.code, or empty
  std::string request_id;     // X-Request-Id, or empty
  std::optional<std::chrono::milliseconds> retry_after;
  std::vector<std::string> hints;  // what to do next (a command to resume, to look), if any
  std::string job_id;              // a job the command made (or that its answer names)
  // The jobs that may be the one a create made, when its outcome is unknown.
  std::optional<nlohmann::ordered_json> candidates;
};

// `{"error": {"type", "status", "code", "message", "request_id"}}` on one line; "retry_after"
// (seconds) too when the server sent it. Absent values are null.
std::string error_json(const ErrorReport& report);

// Prints `report` to stderr: "program: message", or its JSON. Returns its exit code.
int print_error(const char* program, const ErrorReport& report, bool json);

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_ERROR_REPORT_HPP_
