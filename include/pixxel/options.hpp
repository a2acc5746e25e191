#ifndef PIXXEL_OPTIONS_HPP_
#define PIXXEL_OPTIONS_HPP_

/// @file
/// How a `PixxelClient` is configured: `ClientOptions` and its `RetryPolicy`.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "pixxel/http_version.hpp"
#include "pixxel/request_event.hpp"
#include "pixxel/transport.hpp"

namespace pixxel {

/// When and how often a failed attempt is tried again.
///
/// Always retried: a transport error that happened before the request left (DNS, refused
/// connect), 429 and 503. Retried for GET, and for POST only with `retry_non_idempotent`:
/// 408, 500, 502, 504, timeouts and resets. A retried POST can create a second (paid-for)
/// job, so the default never risks it.
struct RetryPolicy {
  int max_retries = 2;  ///< Attempts = max_retries + 1. 0 turns retries off.
  std::chrono::milliseconds initial_backoff{500};  ///< Upper bound of the first delay.
  std::chrono::milliseconds max_backoff{8000};     ///< Upper bound of any delay.
  double multiplier = 2.0;  ///< Growth of the bound per retry; each delay is drawn in [0, bound].
  /// A server's `Retry-After` is honoured up to this; a longer demand ends the retries.
  std::chrono::milliseconds max_retry_after{60000};
  /// Also retry POST on 408, 500, 502, 504, timeouts and resets, at the risk of a second job.
  bool retry_non_idempotent = false;
};

/// Everything a `PixxelClient` needs. Every field has a working default but `api_key`,
/// which may come from the environment.
struct ClientOptions {
  /// The API key, sent verbatim as `Authorization`. Empty: the `PIXXEL_API_KEY` environment
  /// variable.
  std::string api_key;
  /// Empty: the `PIXXEL_BASE_URL` environment variable, else `https://api.pixxel.space`.
  /// A path prefix is kept; a trailing `/` is harmless.
  std::string base_url;
  std::chrono::milliseconds connect_timeout{10000};  ///< 0: no limit.
  std::chrono::milliseconds timeout{60000};          ///< Per attempt; 0: no limit.
  RetryPolicy retry;
  std::size_t max_response_bytes = 64u << 20;  ///< Larger answers throw ResponseTooLargeError.
  /// Asynchronous calls in flight at once (over HTTP/1.1 one connection each, over HTTP/2
  /// streams of one connection); more wait their turn.
  std::size_t max_concurrent_requests = 64;
  /// Verify certificates and host names. Configures the built-in transport: with a custom
  /// `transport`, false is a ConfigurationError (configure TLS in that transport).
  bool verify_tls = true;
  /// PEM file of trusted CAs; empty: the system store. Like `verify_tls`, for the built-in
  /// transport only.
  std::string ca_bundle;
  /// `automatic` (the default): HTTP/2 when a TLS server offers it, else HTTP/1.1; `http1_1`
  /// never asks for HTTP/2. For the built-in transport only; blocking and asynchronous calls
  /// alike. Over HTTP/2, concurrent asynchronous calls share one connection; over HTTP/1.1
  /// they open at most `max_concurrent_requests`.
  HttpVersion http_version = HttpVersion::automatic;
  /// Permit http:// to a host that is not loopback: for the base URL, a signed URL, and every
  /// redirect (without it, a redirect to such a URL is a TransportError, even one from https
  /// on the same host).
  bool allow_insecure_http = false;
  std::string user_agent;  ///< Appended to `pixxel-cpp/<version>` in `User-Agent`.
  /// Called once per attempt, after it ends, with the key redacted: on the thread that made
  /// the call, or for asynchronous calls on the client's loop thread (so it must be
  /// thread-safe if both are used). Exceptions it throws are ignored.
  std::function<void(const RequestEvent&)> on_request;
  /// Empty: the libcurl transport (`make_curl_transport`), built from `verify_tls`, `ca_bundle`,
  /// `http_version` and `max_concurrent_requests`.
  std::shared_ptr<Transport> transport;
};

}  // namespace pixxel

#endif  // PIXXEL_OPTIONS_HPP_
