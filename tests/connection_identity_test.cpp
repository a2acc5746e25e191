// The HTTP/2 bookkeeping tells TLS connections apart by an id the SDK gives each one
// (tls_connection_id), never by the address of OpenSSL's object, which the allocator hands to
// a later connection once the first is freed: a GOAWAY read on that later connection must not
// count against a request sent on the dead one.

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "curl/handles.hpp"
#include "curl/tls_sessions.hpp"
#include "support/node_tls_server.hpp"

namespace pixxel::internal {
namespace {

struct Seen {
  std::uint64_t id = 0;
  const void* ssl = nullptr;
};

// Called before the request is sent, once the connection (and its TLS) is up.
int record(void* out, char*, char*, int, int) {
  auto& seen = *static_cast<std::pair<CURL*, Seen>*>(out);
  curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(seen.first, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info != nullptr) {
    seen.second.ssl = info->internals;
  }
  seen.second.id = tls_connection_id(seen.first);
  return CURL_PREREQFUNC_OK;
}

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

TEST(ConnectionIdentityTest, EveryTlsConnectionHasItsOwnIdEvenWhereItsAddressWasUsedBefore) {
  ensure_curl_global_init();
  testing::NodeTlsServer::Options o;
  o.http2 = false;
  o.close = true;
  testing::NodeTlsServer server(o);
  const std::string url = server.url() + "/v0/workflows/wf/jobs/job-1";
  const std::string ca = testing::NodeTlsServer::ca_file();
  constexpr int kConnections = 40;
  std::vector<Seen> seen;
  for (int i = 0; i < kConnections; ++i) {
    // A new handle each time: its connection, and OpenSSL's objects, are freed with it.
    CurlEasy easy(curl_easy_init());
    ASSERT_TRUE(easy);
    ASSERT_TRUE(copy_tls_sessions_per_connection(easy.get()))
        << "libcurl does not use the OpenSSL this machine has";
    std::pair<CURL*, Seen> out{easy.get(), {}};
    curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_PREREQFUNCTION, &record);
    curl_easy_setopt(easy.get(), CURLOPT_PREREQDATA, &out);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &discard);
    ASSERT_EQ(curl_easy_perform(easy.get()), CURLE_OK);
    seen.push_back(out.second);
  }
  std::set<std::uint64_t> ids;
  std::set<const void*> addresses;
  for (const Seen& s : seen) {
    EXPECT_NE(s.id, 0u);
    ids.insert(s.id);
    addresses.insert(s.ssl);
  }
  EXPECT_EQ(ids.size(), seen.size()) << "an id was given to two connections";
  // Where the allocator did reuse an address (not under AddressSanitizer, which holds freed
  // memory back), the ids still told the connections apart.
  RecordProperty("distinct_ssl_addresses", static_cast<int>(addresses.size()));
}

}  // namespace
}  // namespace pixxel::internal
