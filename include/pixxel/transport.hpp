#ifndef PIXXEL_TRANSPORT_HPP_
#define PIXXEL_TRANSPORT_HPP_

/// @file
/// The seam between the client and HTTP: one `send` per attempt. The default is libcurl;
/// tests and special environments can plug in their own.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pixxel/export.hpp"

namespace pixxel {

/// HTTP header fields in order; names compare case-insensitively (see `find_header`).
using Headers = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request, as the client hands it to a `Transport`.
struct HttpRequest {
  std::string method;  ///< "GET", "POST", "PUT", ...
  std::string url;     ///< Absolute http(s) URL, already percent-encoded.
  Headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000};  ///< The whole exchange; 0 means none.
  std::size_t max_response_bytes = 64u << 20;
  /// Give up when no byte arrives for this long (for long downloads); 0 means never.
  std::chrono::milliseconds stall_timeout{0};
};

/// One HTTP answer, whatever its status.
struct HttpResponse {
  int status_code = 0;
  Headers headers;   ///< The final answer's headers (not those of a `100 Continue`).
  std::string body;  ///< Decompressed when the server sent gzip or deflate.
};

/// Receives a streamed body as it arrives: each piece, and the length the server announced
/// (0 when it did not). It may throw to abort the transfer; the exception reaches the caller.
using BodySink = std::function<void(std::string_view chunk, std::uint64_t expected_total)>;

/// Receives a streamed 2xx answer: its status and headers, then its body. Both callbacks run
/// on the thread that called `Transport::stream`, and either may throw to abort the transfer;
/// the exception reaches the caller.
struct StreamSink {
  /// Called at most once, before the first piece of the body, with the answer's status and
  /// headers, so that the receiver knows what the bytes are (a whole object, or a part of one)
  /// before it stores them. Not called when the body is empty: the returned answer has them.
  /// May be empty.
  std::function<void(int status, const Headers& headers)> on_head;
  /// Each piece of the body, as `send_streaming` passes it.
  BodySink on_body;
};

/// Sends one HTTP request and returns the answer, whatever its status. It does not follow
/// redirects: the client does, so that it alone decides where the API key may go.
///
/// @par Errors
/// Throws `TransportError` when no complete answer arrived (with `request_sent() == false`
/// only when the request provably never left), `TimeoutError` when a timeout ran out, and
/// `ResponseTooLargeError` when the body exceeds `max_response_bytes`.
///
/// @par Thread Safety
/// `send` is called concurrently from every thread that shares a client, so an
/// implementation must be safe to call from many threads at once.
class PIXXEL_EXPORT Transport {
 public:
  virtual ~Transport() = default;
  virtual HttpResponse send(const HttpRequest& request) = 0;

  /// Like `send`, but a 2xx body goes to `sink` as it arrives and is not kept (the returned
  /// body is empty), and `max_response_bytes` applies only to other answers' bodies. Used to
  /// save large downloads. The default calls `send` and passes the body in one piece.
  virtual HttpResponse send_streaming(const HttpRequest& request, const BodySink& sink);

  /// Like `send_streaming`, and reports a 2xx answer's head to `sink.on_head` before its
  /// body. `save_download` uses it to resume a broken transfer. The default goes through
  /// `send_streaming`: through the default one, with the real head; through an override, which
  /// cannot tell the head, as a 200 without headers (so a download restarts, never resumes).
  virtual HttpResponse stream(const HttpRequest& request, const StreamSink& sink);
};

/// Settings of the libcurl transport.
struct CurlTransportOptions {
  bool verify_tls = true;  ///< Verify the server's certificate and host name.
  std::string ca_bundle;   ///< A PEM file of trusted CAs; empty: the system store.
};

/// The default transport, over libcurl. It keeps a pool of connections (one libcurl handle
/// per concurrent caller, each keeping its connections alive for the next request) and shares
/// DNS answers and TLS sessions between them. Construction does no I/O.
///
/// @par Thread Safety
/// Safe to use from many threads at once.
PIXXEL_EXPORT std::shared_ptr<Transport> make_curl_transport(CurlTransportOptions options = {});

/// The value of the first header named `name` (compared case-insensitively), if any.
PIXXEL_EXPORT std::optional<std::string> find_header(const Headers& headers, std::string_view name);

}  // namespace pixxel

#endif  // PIXXEL_TRANSPORT_HPP_
