#ifndef PIXXEL_CURL_TLS_SESSIONS_HPP_
#define PIXXEL_CURL_TLS_SESSIONS_HPP_

// Keeps a client's cached TLS 1.3 session resumable for all of its connections.
//
// libcurl 7.88 caches one TLS session per host (in the share handle) and gives that same
// SSL_SESSION object to every new connection. OpenSSL 3.0, at the end of a TLS 1.3 client
// handshake, marks the session the connection holds as not resumable ("use TLSv1.3 tickets
// once": statem_lib.c, tls_finish_handshake). The first connection to resume the cached
// session therefore spoils it for every connection that starts before a fresh ticket replaces
// it: a burst of new connections does full handshakes, some of them at random. Each connection
// is given its own copy of the session instead, which OpenSSL may mark as it likes.
//
// That reuses a TLS 1.3 ticket on more than one connection, which RFC 8446 (appendix C.4)
// advises against because a passive observer could link the connections: every request of a
// client carries the same API key, which links them anyway. No early data is ever sent, so
// nothing can be replayed.
//
// OpenSSL is not linked: its functions are looked up where libcurl has loaded it (through
// libcurl's own shared object, so its OpenSSL comes first), and only used when it is the
// OpenSSL version libcurl reports. Otherwise nothing is changed.

#include <cstdint>

#include "curl/handles.hpp"

namespace pixxel::internal {

// Sets `easy` up so that each of its TLS connections resumes a copy of the cached session.
// Returns false (and leaves `easy` as it was) where libcurl does not use OpenSSL 1.1.1 or
// later, or its functions cannot be found.
bool copy_tls_sessions_per_connection(CURL* easy);

// An identity of the TLS connection `easy` is on, never given to another connection in this
// process (unlike the address of its OpenSSL object, which a later connection may get once
// this one is freed); 0 when there is none or it cannot be known. Only connections of handles
// set up by copy_tls_sessions_per_connection have one.
std::uint64_t tls_connection_id(CURL* easy);

}  // namespace pixxel::internal

#endif  // PIXXEL_CURL_TLS_SESSIONS_HPP_
