#ifndef PIXXEL_CURL_HANDLES_HPP_
#define PIXXEL_CURL_HANDLES_HPP_

// One owner for every libcurl handle. Like everything under src/curl/, the only code that sees
// <curl/curl.h>; never include it from a public header.

#include <memory>

#include <curl/curl.h>

namespace pixxel::internal {

struct CurlEasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct CurlShareDeleter {
  void operator()(CURLSH* h) const noexcept { curl_share_cleanup(h); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* h) const noexcept { curl_multi_cleanup(h); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlShare = std::unique_ptr<CURLSH, CurlShareDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

// curl_global_init is not thread-safe on every libcurl build: run it exactly once.
void ensure_curl_global_init();

}  // namespace pixxel::internal

#endif  // PIXXEL_CURL_HANDLES_HPP_
