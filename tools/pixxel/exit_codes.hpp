#ifndef PIXXEL_EXAMPLES_EXIT_CODES_HPP_
#define PIXXEL_EXAMPLES_EXIT_CODES_HPP_

// One exit code per error class, the pixxel CLI's contract (tests/cli_test.cpp checks it), so
// that a script can tell "try again later" from "fix your key" without parsing text.

#include <exception>
#include <iostream>

#include "pixxel/errors.hpp"

namespace pixxel_examples {

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
};

// Prints a one-line explanation of the current exception to stderr and returns its code.
// Call only from inside a catch block.
inline int report_current_exception(const char* program) {
  auto say = [&](const char* kind, const std::exception& e) {
    std::cerr << program << ": " << kind << ": " << e.what() << "\n";
  };
  try {
    throw;
  } catch (const pixxel::ConfigurationError& e) {
    say("configuration error", e);
    return kConfiguration;
  } catch (const pixxel::InvalidArgumentError& e) {
    say("invalid argument", e);
    return kInvalidArgument;
  } catch (const pixxel::AuthenticationError& e) {
    say("not authenticated (check PIXXEL_API_KEY)", e);
    return kAuthentication;
  } catch (const pixxel::PermissionDeniedError& e) {
    say("permission denied (check PIXXEL_API_KEY)", e);
    return kAuthentication;
  } catch (const pixxel::NotFoundError& e) {
    say("not found", e);
    return kNotFound;
  } catch (const pixxel::RateLimitError& e) {
    say("rate limited, try again later", e);
    return kRateLimited;
  } catch (const pixxel::ServerError& e) {
    say("server error, try again later", e);
    return kServerError;
  } catch (const pixxel::ApiError& e) {
    say("request rejected", e);
    return kClientError;
  } catch (const pixxel::TimeoutError& e) {
    say("timed out", e);
    return kTimeout;
  } catch (const pixxel::TransportError& e) {
    say("network error", e);
    return kTransport;
  } catch (const pixxel::DecodeError& e) {
    say("unexpected answer", e);
    return kBadAnswer;
  } catch (const pixxel::ResponseTooLargeError& e) {
    say("answer too large", e);
    return kBadAnswer;
  } catch (const std::exception& e) {
    say("error", e);
    return kUnexpected;
  } catch (...) {
    std::cerr << program << ": unknown error\n";
    return kUnexpected;
  }
}

}  // namespace pixxel_examples

#endif  // PIXXEL_EXAMPLES_EXIT_CODES_HPP_
