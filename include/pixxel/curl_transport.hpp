#ifndef PIXXEL_CURL_TRANSPORT_HPP_
#define PIXXEL_CURL_TRANSPORT_HPP_

/// @file
/// The default `Transport`, over libcurl.

#include <cstddef>
#include <memory>
#include <string>

#include "pixxel/export.hpp"
#include "pixxel/http_version.hpp"
#include "pixxel/transport.hpp"

namespace pixxel {

/// Settings of the libcurl transport. A client builds its own from `ClientOptions`
/// (`verify_tls`, `ca_bundle`, `http_version`, `max_concurrent_requests`); set these only to make
/// a transport by hand.
struct CurlTransportOptions {
  bool verify_tls = true;  ///< Verify the server's certificate and host name.
  std::string ca_bundle;   ///< A PEM file of trusted CAs; empty: the system store.
  /// Idle connections the asynchronous path keeps open for reuse (per client using the
  /// transport). Also the most connections it opens at once.
  std::size_t max_idle_connections = 64;
  /// See `ClientOptions::http_version`.
  HttpVersion http_version = HttpVersion::automatic;
};

/// The default transport, over libcurl. Blocking sends use a pool of libcurl handles (one per
/// concurrent caller, each keeping its connections alive for the next request); a client's
/// asynchronous calls run on a libcurl multi handle of that client's, driven by the client's
/// own loop thread (so two clients sharing the transport each have one), where concurrent
/// requests to an HTTP/2 server wait for and share one connection. `send_async` called
/// directly, outside any client, runs on a multi loop of the transport's own (one thread,
/// started by the first such call, joined when the transport is destroyed). All share one
/// cache of DNS answers and TLS sessions, so a new connection resumes an earlier TLS session.
/// A request the server refused unprocessed (HTTP/2 REFUSED_STREAM, or a stream above a
/// GOAWAY's last stream id) is sent again on a new connection, up to 5 times, even a POST.
/// Construction does no I/O.
///
/// @par Thread Safety
/// Safe to use from many threads at once.
PIXXEL_EXPORT std::shared_ptr<Transport> make_curl_transport(CurlTransportOptions options = {});

}  // namespace pixxel

#endif  // PIXXEL_CURL_TRANSPORT_HPP_
