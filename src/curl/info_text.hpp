#ifndef PIXXEL_CURL_INFO_TEXT_HPP_
#define PIXXEL_CURL_INFO_TEXT_HPP_

// What CurlExchange::on_info reads out of libcurl's informational texts (CURLOPT_VERBOSE to
// CURLOPT_DEBUGFUNCTION, CURLINFO_TEXT). libcurl 7.88 says what an HTTP/2 refusal needs to be
// told apart from a processed request (the stream id, a GOAWAY's last stream id, its own
// resend of a refused stream) nowhere else: no CURLINFO_ value, no callback. These texts are
// not an interface libcurl promises, so they are pinned by tests/libcurl_info_text_test.cpp,
// which fails, naming the text, when the libcurl in use stops printing one.
//
// Checked against libcurl 7.88.1 (Debian 12, lib/http2.c and lib/transfer.c). Should one of
// them go, the SDK stays safe but less able: a refusal it cannot prove counts as a request
// that may have been processed, so a POST is not sent again (an error instead of a retry).

#include <string_view>

namespace pixxel::internal::libcurl_text {

// "Using Stream ID: 3 (easy handle 0x...)": the HTTP/2 stream this transfer's request went
// out on (lib/http2.c, http2_send).
constexpr std::string_view kStreamId = "Using Stream ID: ";
// "recveived GOAWAY, error=0, last_stream=1" (sic: libcurl 7.88 spells it so; matched without
// its first letters so that a corrected spelling still matches), said to whichever transfer
// read the frame (lib/http2.c, on_frame_recv).
constexpr std::string_view kGoaway = "eived GOAWAY, ";
constexpr std::string_view kGoawayLastStream = "last_stream=";
// libcurl's own resend of a stream the server refused with REFUSED_STREAM, on a new
// connection (lib/transfer.c, Curl_retry_request).
constexpr std::string_view kRefusedRetry = "REFUSED_STREAM, retrying a fresh connect";

}  // namespace pixxel::internal::libcurl_text

#endif  // PIXXEL_CURL_INFO_TEXT_HPP_
