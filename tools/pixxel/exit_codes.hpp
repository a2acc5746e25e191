#ifndef PIXXEL_CLI_EXIT_CODES_HPP_
#define PIXXEL_CLI_EXIT_CODES_HPP_

// One exit code per error class, the pixxel CLI's contract (tests/cli_test.cpp checks it), so
// that a script can tell "try again later" from "fix your key" without parsing text. With
// --json the error is also one JSON object on stderr, whose "type" names the class
// (error_report.hpp); describe_error.hpp maps the SDK's exceptions to both.

namespace pixxel_cli {

enum ExitCode : int {
  kOk = 0,
  kUnexpected = 1,
  kUsage = 2,
  kConfiguration = 3,
  kInvalidArgument = 4,
  kAuthentication = 5,  // 401 and 403
  kNotFound = 6,
  kRateLimited = 7,
  kClientError = 8,  // any other 4xx, and answers outside 4xx/5xx
  kServerError = 9,
  kTransport = 10,
  kTimeout = 11,
  kBadAnswer = 12,    // DecodeError, ResponseTooLargeError
  kJobFailed = 13,    // the job ended in a failed state
  kOverBudget = 14,   // jobs create --max-cost: the estimate was above it, no job created
  kNotFinished = 15,  // jobs download without --wait: the job has not ended yet
  // Standard output's reader went away (a closed pipe): nothing is said, as for a program the
  // signal ends, and the status is the one a shell shows for it (128 + SIGPIPE).
  kBrokenPipe = 141,
};

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_EXIT_CODES_HPP_
