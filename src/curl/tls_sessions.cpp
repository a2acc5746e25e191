#include "curl/tls_sessions.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace pixxel::internal {

namespace {

// OpenSSL's types, opaque here (its headers are not needed, nor is it linked).
struct SSL;
struct SSL_CTX;
struct SSL_SESSION;
using InfoCallback = void (*)(const SSL*, int where, int ret);

constexpr int kHandshakeStart = 0x10;  // SSL_CB_HANDSHAKE_START
constexpr int kOpensslVersion = 0;     // OPENSSL_VERSION, for OpenSSL_version()

// The few OpenSSL functions this needs, from the OpenSSL that libcurl uses.
struct OpenSsl {
  void (*ctx_set_info_callback)(SSL_CTX*, InfoCallback) = nullptr;
  SSL_SESSION* (*get_session)(const SSL*) = nullptr;
  SSL_SESSION* (*session_dup)(const SSL_SESSION*) = nullptr;
  int (*set_session)(SSL*, SSL_SESSION*) = nullptr;
  void (*session_free)(SSL_SESSION*) = nullptr;
  int (*in_before)(const SSL*) = nullptr;
  int (*new_ex_index)(int, long, void*, void*, void*, void*) = nullptr;  // NOLINT(runtime/int)
  int (*set_ex_data)(SSL*, int, void*) = nullptr;
  void* (*get_ex_data)(const SSL*, int) = nullptr;
  int id_index = -1;  // our slot in each SSL object's ex_data: its connection id
  bool found = false;
};

constexpr int kExIndexSsl = 0;  // CRYPTO_EX_INDEX_SSL

// Where libcurl's own OpenSSL is found: its shared object's handle, whose lookups search what
// libcurl was linked with first (should another OpenSSL be loaded too), or the process's
// global scope where libcurl is part of the program.
void* libcurl_scope() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&curl_version_info), &info) != 0 &&
      info.dli_fname != nullptr) {
    // Already loaded: RTLD_NOLOAD only finds it (and keeps it, as the pointers must stay).
    if (void* library = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD)) return library;
  }
  return RTLD_DEFAULT;
}

template <typename F>
bool look_up(void* scope, F& function, const char* name) {
  function = reinterpret_cast<F>(dlsym(scope, name));
  return function != nullptr;
}

// "3.0.17" from "OpenSSL/3.0.17" (libcurl) or "OpenSSL 3.0.17 1 Jul 2025" (OpenSSL).
std::string_view version_number(std::string_view text) {
  text.remove_prefix(std::min<std::size_t>(8, text.size()));  // "OpenSSL/" or "OpenSSL "
  return text.substr(0, text.find(' '));
}

const OpenSsl& openssl() {
  static const OpenSsl functions = [] {
    OpenSsl f;
    const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
    if (curl == nullptr || curl->ssl_version == nullptr ||
        std::strncmp(curl->ssl_version, "OpenSSL/", 8) != 0) {
      return f;
    }
    void* scope = libcurl_scope();
    const char* (*version)(int) = nullptr;
    // SSL_SESSION_dup and SSL_in_before: OpenSSL 1.1.1 and later.
    if (!look_up(scope, version, "OpenSSL_version") ||
        !look_up(scope, f.ctx_set_info_callback, "SSL_CTX_set_info_callback") ||
        !look_up(scope, f.get_session, "SSL_get_session") ||
        !look_up(scope, f.session_dup, "SSL_SESSION_dup") ||
        !look_up(scope, f.set_session, "SSL_set_session") ||
        !look_up(scope, f.session_free, "SSL_SESSION_free") ||
        !look_up(scope, f.in_before, "SSL_in_before") ||
        !look_up(scope, f.new_ex_index, "CRYPTO_get_ex_new_index") ||
        !look_up(scope, f.set_ex_data, "SSL_set_ex_data") ||
        !look_up(scope, f.get_ex_data, "SSL_get_ex_data")) {
      return f;
    }
    // Another OpenSSL in the process than libcurl's would not know libcurl's objects.
    if (version_number(version(kOpensslVersion)) != version_number(curl->ssl_version)) return f;
    f.id_index = f.new_ex_index(kExIndexSsl, 0, nullptr, nullptr, nullptr, nullptr);
    f.found = f.id_index >= 0;
    return f;
  }();
  return functions;
}

std::atomic<std::uint64_t> last_connection_id{0};

// Before the ClientHello is written: the connection gets its id, and the session libcurl set
// becomes a copy of it.
void on_tls_info(const SSL* ssl, int where, int) {
  if ((where & kHandshakeStart) == 0) return;
  const OpenSsl& f = openssl();
  // TLS 1.3 post-handshake messages (tickets, key updates) start "handshakes" too: the id is
  // given once, to an SSL object whose slot is still empty, as every new one's is.
  if (f.get_ex_data(ssl, f.id_index) == nullptr) {
    const std::uint64_t id = ++last_connection_id;
    f.set_ex_data(const_cast<SSL*>(ssl), f.id_index,
                  reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)));
  }
  if (!f.in_before(ssl)) return;
  SSL_SESSION* cached = f.get_session(ssl);
  if (cached == nullptr) return;
  SSL_SESSION* copy = f.session_dup(cached);
  if (copy == nullptr) return;  // out of memory: resume the cached one itself
  // The connection holds its own reference to the copy; the cached one stays as it was.
  f.set_session(const_cast<SSL*>(ssl), copy);
  f.session_free(copy);
}

CURLcode on_ssl_context(CURL*, void* context, void*) {
  // libcurl 7.88 makes an SSL_CTX for each connection, and sets no info callback of its own.
  openssl().ctx_set_info_callback(static_cast<SSL_CTX*>(context), &on_tls_info);
  return CURLE_OK;
}

}  // namespace

std::uint64_t tls_connection_id(CURL* easy) {
  const OpenSsl& f = openssl();
  if (!f.found) return 0;
  curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == nullptr ||
      info->backend != CURLSSLBACKEND_OPENSSL || info->internals == nullptr) {
    return 0;
  }
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(
      f.get_ex_data(static_cast<const SSL*>(info->internals), f.id_index)));
}

bool copy_tls_sessions_per_connection(CURL* easy) {
  if (!openssl().found) return false;
  return curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, &on_ssl_context) == CURLE_OK;
}

}  // namespace pixxel::internal
