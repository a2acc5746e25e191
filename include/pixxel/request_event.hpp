#ifndef PIXXEL_REQUEST_EVENT_HPP_
#define PIXXEL_REQUEST_EVENT_HPP_

/// @file
/// What the client tells an observer about each attempt (`ClientOptions::on_request`).

#include <chrono>
#include <optional>
#include <string>

#include "pixxel/transport.hpp"

namespace pixxel {

/// One attempt of one call, reported once it has ended, successfully or not.
///
/// The `Authorization` value in `request_headers` is replaced by `***`; nothing in an event
/// ever contains the API key.
struct RequestEvent {
  std::string method;
  std::string url;
  int attempt = 1;      ///< 1 for the first attempt, 2 for the first retry, ...
  int status_code = 0;  ///< The HTTP status, or 0 when no answer arrived.
  std::chrono::milliseconds elapsed{0};
  std::string error;  ///< Why the attempt failed (transport or HTTP error), or empty.
  Headers request_headers;
  /// When this attempt failed and the call will try again: how long the client waits first
  /// (the server's `Retry-After`, else the jittered backoff of `RetryPolicy`). Empty when the
  /// call ends with this attempt, successfully or not. An asynchronous call may start the
  /// next attempt later than this, when all its connections are busy.
  std::optional<std::chrono::milliseconds> retry_delay;
};

}  // namespace pixxel

#endif  // PIXXEL_REQUEST_EVENT_HPP_
