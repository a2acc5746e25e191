#ifndef PIXXEL_CURL_TRANSPORT_HPP_
#define PIXXEL_CURL_TRANSPORT_HPP_

/// @file
/// The default `Transport`, over libcurl.

#include <cstddef>
#include <memory>
#include <string>

#include "pixxel/export.hpp"
#include "pixxel/transport.hpp"

namespace pixxel {

/// Settings of the libcurl transport. A client builds its own from `ClientOptions`
/// (`verify_tls`, `ca_bundle`); set these only to make a transport by hand.
struct CurlTransportOptions {
  bool verify_tls = true;  ///< Verify the server's certificate and host name.
  std::string ca_bundle;   ///< A PEM file of trusted CAs; empty: the system store.
  /// Idle connections the asynchronous path keeps open for reuse.
  std::size_t max_idle_connections = 64;
};

/// The default transport, over libcurl. Blocking sends use a pool of libcurl handles (one per
/// concurrent caller, each keeping its connections alive for the next request); asynchronous
/// sends run on one libcurl multi loop (one thread, started by the first of them). Both share
/// one cache of DNS answers and TLS sessions. Construction does no I/O.
///
/// @par Thread Safety
/// Safe to use from many threads at once.
PIXXEL_EXPORT std::shared_ptr<Transport> make_curl_transport(CurlTransportOptions options = {});

}  // namespace pixxel

#endif  // PIXXEL_CURL_TRANSPORT_HPP_
