#ifndef PIXXEL_HTTP_VERSION_HPP_
#define PIXXEL_HTTP_VERSION_HPP_

/// @file
/// Which HTTP version the built-in transport speaks.

namespace pixxel {

/// Which HTTP version the built-in (libcurl) transport asks for.
enum class HttpVersion {
  /// HTTP/2 over TLS when the server offers it (ALPN), else HTTP/1.1; plain http:// is always
  /// HTTP/1.1. Concurrent asynchronous calls to one HTTP/2 server share one connection.
  automatic,
  /// HTTP/1.1 only, over TLS or not: one request at a time per connection.
  http1_1,
};

}  // namespace pixxel

#endif  // PIXXEL_HTTP_VERSION_HPP_
