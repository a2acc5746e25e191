#ifndef PIXXEL_TRANSPORT_HPP_
#define PIXXEL_TRANSPORT_HPP_

/// @file
/// The seam between the client and HTTP: one `send` per attempt. The default is libcurl
/// (`pixxel/curl_transport.hpp`); tests and special environments can plug in their own.

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pixxel/cancellation.hpp"
#include "pixxel/export.hpp"

namespace pixxel {

/// HTTP header fields in order; names compare case-insensitively (see `find_header`).
using Headers = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request, as the client hands it to a `Transport`. The client fills every field
/// from its options; the defaults here mean "no limit".
struct HttpRequest {
  std::string method;  ///< "GET", "POST", "PUT", ...
  std::string url;     ///< Absolute http(s) URL, already percent-encoded.
  Headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{0};  ///< 0: none.
  std::chrono::milliseconds timeout{0};          ///< The whole exchange; 0: none.
  std::size_t max_response_bytes = 0;            ///< Largest body kept; 0: no limit.
  /// Give up when no byte arrives for this long (for long downloads); 0 means never.
  std::chrono::milliseconds stall_timeout{0};
  /// The call's cancellation (`CallOptions::cancel`). A transport that
  /// `supports_cancellation()` ends the exchange soon after it is cancelled, with
  /// `CancelledError`; others may ignore it.
  CancellationToken cancel;
};

/// One HTTP answer, whatever its status.
struct HttpResponse {
  int status_code = 0;
  Headers headers;   ///< The final answer's headers (not those of a `100 Continue`).
  std::string body;  ///< Decompressed when the server sent gzip or deflate.
};

/// Receives a streamed 2xx answer: its status and headers, then its body. Both callbacks run
/// on the thread that called `Transport::send_streaming`, and either may throw to abort the
/// transfer; the exception reaches the caller.
struct StreamSink {
  /// Called once, before the first piece of the body, with the answer's status and headers,
  /// so that the receiver knows what the bytes are (a whole object, or a part of one) before
  /// it stores them. Not called when the body is empty: the returned answer has them. May be
  /// empty.
  std::function<void(int status, const Headers& headers)> on_head;
  /// Each piece of the body, in order.
  std::function<void(std::string_view chunk)> on_body;
};

/// Sends HTTP requests for a client: one call per attempt. It does not follow redirects: the
/// client does, so that it alone decides where the API key may go.
///
/// @par Errors
/// Throws (or, asynchronously, completes with) `TransportError` when no complete answer
/// arrived (with `request_sent() == false` only when the request provably never left),
/// `TimeoutError` when a timeout ran out, and `ResponseTooLargeError` when the body exceeds
/// `max_response_bytes`.
///
/// @par Thread Safety
/// Every member is called concurrently from every thread that shares a client, so an
/// implementation must be safe to call from many threads at once.
class PIXXEL_EXPORT Transport {
 public:
  /// How an asynchronous send ends: the answer, or the error `send` would have thrown (then
  /// the answer is empty).
  using Completion = std::function<void(HttpResponse response, std::exception_ptr error)>;

  virtual ~Transport() = default;

  /// Sends `request` and returns the answer, whatever its status.
  virtual HttpResponse send(const HttpRequest& request) = 0;

  /// Like `send`, but a 2xx body goes to `sink` as it arrives and is not kept (the returned
  /// body is empty), and `max_response_bytes` applies only to other answers' bodies. Used to
  /// save large downloads. The default calls `send` and passes the body in one piece.
  virtual HttpResponse send_streaming(const HttpRequest& request, const StreamSink& sink);

  /// Starts `request` without blocking and calls `done` exactly once, from any thread, with
  /// the answer or the error. Returns false, without calling `done`, when the transport has
  /// no asynchronous path of its own (the default): the client then calls `send` on worker
  /// threads of its own, at most `ClientOptions::max_concurrent_requests` of them, reused
  /// from call to call. Destroying the client cancels the request of a `send` still running
  /// there (through `HttpRequest::cancel`, when the transport `supports_cancellation()`) and
  /// waits for it to return.
  virtual bool send_async(HttpRequest request, Completion done);

  /// Whether `send`, `send_streaming` and `send_async` end an exchange soon (well within
  /// 100 ms) after `HttpRequest::cancel` is cancelled, with `CancelledError` (its
  /// `request_sent()` saying whether any byte of the request may have left). The default is
  /// false: the client cannot interrupt such a transport, so a blocking call with a token that
  /// can be cancelled sends each request on a worker thread of the client's, and when
  /// cancelled returns at once with `CancelledError` (`request_sent()` true) while the
  /// exchange finishes unheard; an asynchronous call likewise stops waiting for it. Destroying
  /// the client waits for such an exchange to end. The libcurl transport says true.
  virtual bool supports_cancellation() const;
};

/// The value of the first header named `name` (compared case-insensitively), if any.
PIXXEL_EXPORT std::optional<std::string> find_header(const Headers& headers, std::string_view name);

}  // namespace pixxel

#endif  // PIXXEL_TRANSPORT_HPP_
