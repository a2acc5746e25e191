#ifndef PIXXEL_EXAMPLES_EXIT_CODES_HPP_
#define PIXXEL_EXAMPLES_EXIT_CODES_HPP_

// One exit code per error class, the pixxel CLI's contract (tests/cli_test.cpp checks it), so
// that a script can tell "try again later" from "fix your key" without parsing text. With
// --json the error is also one JSON object on stderr, whose "type" names the class.

#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
  // Standard output's reader went away (a closed pipe): nothing is said, as for a program the
  // signal ends, and the status is the one a shell shows for it (128 + SIGPIPE).
  kBrokenPipe = 141,
};

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

// "120 s", "1.5 s".
inline std::string format_seconds(std::chrono::milliseconds delay) {
  char buffer[32];
  if (delay.count() % 1000 == 0) {
    std::snprintf(buffer, sizeof buffer, "%lld s", static_cast<long long>(delay.count() / 1000));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f s", static_cast<double>(delay.count()) / 1000);
  }
  return buffer;
}

// What the current exception means to a CLI user. Call only from inside a catch block.
inline ErrorReport describe_current_exception(const ErrorContext& context = {}) {
  ErrorReport r;
  auto set = [&](int code, const char* type, const std::string& kind, const std::string& what) {
    r.exit_code = code;
    r.type = type;
    r.message = kind + ": " + what;
  };
  auto from_api = [&](const pixxel::ApiError& e) {
    r.status = e.status_code();
    r.code = e.code();
    r.request_id = e.request_id();
    r.retry_after = e.retry_after();
  };
  // key_source is a flag, a variable, or `profile "NAME" in FILE`.
  const bool key_from_profile = context.key_source.rfind("profile ", 0) == 0;
  const std::string key_advice =
      "check " + (context.key_source == "--api-key" ? std::string("the key given with --api-key")
                  : key_from_profile                ? "the api_key of " + context.key_source
                                                    : context.key_source);
  try {
    throw;
  } catch (const pixxel::ConfigurationError& e) {
    const std::string from =
        context.base_url_source.empty() ? "" : " (from " + context.base_url_source + ")";
    if (e.option() == "api_key" && !context.key_given) {
      set(kConfiguration, "configuration", "configuration error",
          "no API key: pass --api-key or set PIXXEL_API_KEY");
    } else if (e.option() == "api_key") {
      set(kConfiguration, "configuration", "configuration error",
          "the API key from " + context.key_source +
              " must not contain control characters (CR, LF, ...)");
    } else if (e.option() == "allow_insecure_http") {
      set(kConfiguration, "configuration", "configuration error",
          "the base URL" + from +
              " is plain http to another machine, so the API key would cross the network in "
              "clear text: use https://, or pass --allow-insecure-http to accept that");
    } else if (e.option() == "base_url") {
      set(kConfiguration, "configuration", "configuration error", e.what() + from);
    } else {
      set(kConfiguration, "configuration", "configuration error", e.what());
    }
  } catch (const pixxel::InvalidArgumentError& e) {
    set(kInvalidArgument, "invalid_argument", "invalid argument", e.what());
  } catch (const pixxel::AuthenticationError& e) {
    set(kAuthentication, "authentication", "not authenticated (" + key_advice + ")", e.what());
    from_api(e);
  } catch (const pixxel::PermissionDeniedError& e) {
    set(kAuthentication, "permission_denied", "permission denied (" + key_advice + ")", e.what());
    from_api(e);
  } catch (const pixxel::NotFoundError& e) {
    set(kNotFound, "not_found", "not found", e.what());
    from_api(e);
  } catch (const pixxel::RateLimitError& e) {
    const auto wait = e.retry_after();
    std::string what = e.what();
    if (wait && *wait > context.max_retry_after) {
      what += "; the server asks to wait " + format_seconds(*wait) +
              " before trying again (Retry-After), longer than the " +
              format_seconds(context.max_retry_after) + " pixxel waits by itself";
    } else if (wait) {
      what += "; try again in " + format_seconds(*wait);
    }
    set(kRateLimited, "rate_limited", wait ? "rate limited" : "rate limited, try again later",
        what);
    from_api(e);
  } catch (const pixxel::ServerError& e) {
    // Not "try again later" when the request may have acted: that would make a second job.
    set(kServerError, "server_error",
        e.outcome_unknown() ? "server error" : "server error, try again later", e.what());
    from_api(e);
  } catch (const pixxel::ApiError& e) {
    set(kClientError, "request_rejected", "request rejected", e.what());
    from_api(e);
  } catch (const pixxel::TimeoutError& e) {
    set(kTimeout, "timeout", "timed out", e.what());
  } catch (const pixxel::TransportError& e) {
    set(kTransport, "network", "network error", e.what());
  } catch (const pixxel::DecodeError& e) {
    set(kBadAnswer, "bad_answer", "unexpected answer", e.what());
    if (e.status_code() != 0) r.status = e.status_code();
    r.request_id = e.request_id();
  } catch (const pixxel::ResponseTooLargeError& e) {
    set(kBadAnswer, "answer_too_large", "answer too large", e.what());
  } catch (const std::exception& e) {
    set(kUnexpected, "unexpected", "error", e.what());
  } catch (...) {
    r.exit_code = kUnexpected;
    r.type = "unexpected";
    r.message = "unknown error";
  }
  return r;
}

// `{"error": {"type", "status", "code", "message", "request_id"}}` on one line; "retry_after"
// (seconds) too when the server sent it. Absent values are null.
inline std::string error_json(const ErrorReport& report) {
  using Json = nlohmann::ordered_json;  // "type" first, as documented
  auto or_null = [](const std::string& text) { return text.empty() ? Json() : Json(text); };
  Json error = {{"type", report.type},
                {"status", report.status ? Json(*report.status) : Json()},
                {"code", or_null(report.code)},
                {"message", report.message},
                {"request_id", or_null(report.request_id)}};
  if (report.retry_after) {
    const auto ms = report.retry_after->count();
    error["retry_after"] = ms % 1000 == 0 ? Json(ms / 1000) : Json(static_cast<double>(ms) / 1000);
  }
  if (!report.job_id.empty()) error["job_id"] = report.job_id;
  if (report.candidates) error["candidates"] = *report.candidates;
  if (!report.hints.empty()) error["hints"] = report.hints;
  // Text from the server need not be UTF-8; dump() would throw on it.
  return Json{{"error", error}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Prints `report` to stderr: "program: message", or its JSON. Returns its exit code.
inline int print_error(const char* program, const ErrorReport& report, bool json) {
  if (json) {
    std::cerr << error_json(report) << "\n";
  } else {
    std::string text = report.message;
    // The server's words must not move the cursor or change the terminal's state.
    for (char& c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) c = '?';
    }
    std::cerr << program << ": " << text << "\n";
    for (const std::string& hint : report.hints) std::cerr << program << ": " << hint << "\n";
  }
  std::cerr << std::flush;
  return report.exit_code;
}

// Explains the current exception on stderr (see print_error) and returns its code.
// Call only from inside a catch block.
inline int report_current_exception(const char* program, const ErrorContext& context = {}) {
  return print_error(program, describe_current_exception(context), context.json);
}

}  // namespace pixxel_examples

#endif  // PIXXEL_EXAMPLES_EXIT_CODES_HPP_
