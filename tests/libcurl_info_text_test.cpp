// libcurl 7.88 tells the SDK what it needs to know of an HTTP/2 refusal only in informational
// texts (src/curl/info_text.hpp). Those are not an interface libcurl promises: these tests run
// the libcurl this build uses, with no SDK code between, against a real HTTP/2 server, and
// fail naming the text when libcurl no longer prints what CurlExchange::on_info reads. Then a
// refused POST would be an error where it could have been sent again: safe, but worse.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "curl/handles.hpp"
#include "curl/info_text.hpp"
#include "support/node_tls_server.hpp"

namespace pixxel::internal {
namespace {

namespace text = libcurl_text;

struct Transfer {
  CURLcode code = CURLE_OK;
  long status = 0;
  long http_version = 0;
  std::vector<std::string> texts;  // every CURLINFO_TEXT libcurl said to this transfer
};

int keep_text(CURL*, curl_infotype type, char* data, size_t size, void* out) {
  if (type == CURLINFO_TEXT) static_cast<Transfer*>(out)->texts.emplace_back(data, size);
  return 0;
}

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

// One GET on `easy` (which keeps its connection from one call to the next), as the SDK sets
// libcurl up for HTTPS: HTTP/2 by ALPN, informational texts to a debug callback.
Transfer get(CURL* easy, const std::string& url) {
  Transfer out;
  const std::string ca = testing::NodeTlsServer::ca_file();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard);
  curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, &keep_text);
  curl_easy_setopt(easy, CURLOPT_DEBUGDATA, &out);
  out.code = curl_easy_perform(easy);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &out.status);
  curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &out.http_version);
  return out;
}

// The first text of `transfer` that has `wanted` (at its start, when `at_start`).
const std::string* find_text(const Transfer& transfer, std::string_view wanted, bool at_start) {
  for (const std::string& line : transfer.texts) {
    const auto at = line.find(wanted);
    if (at != std::string::npos && (!at_start || at == 0)) return &line;
  }
  return nullptr;
}

std::string explain(const Transfer& transfer, std::string_view wanted) {
  std::string out = "libcurl ";
  out += curl_version_info(CURLVERSION_NOW)->version;
  out += " no longer says \"";
  out += wanted;
  out +=
      "\", which src/curl/exchange.cpp (CurlExchange::on_info) reads to tell an HTTP/2 refusal "
      "from a processed request (checked against libcurl 7.88.1; see src/curl/info_text.hpp). "
      "What it said:\n";
  for (const std::string& line : transfer.texts) out += "  " + line;
  return out;
}

class LibcurlInfoTextTest : public ::testing::Test {
 protected:
  void SetUp() override { ensure_curl_global_init(); }
};

TEST_F(LibcurlInfoTextTest, ItNamesTheStreamARequestWentOutOn) {
  testing::NodeTlsServer server;
  CurlEasy easy(curl_easy_init());
  ASSERT_TRUE(easy);
  const Transfer first = get(easy.get(), server.url() + "/v0/workflows/wf/jobs/job-1");
  ASSERT_EQ(first.code, CURLE_OK) << curl_easy_strerror(first.code);
  ASSERT_EQ(first.http_version, static_cast<long>(CURL_HTTP_VERSION_2_0));
  const std::string* line = find_text(first, text::kStreamId, /*at_start=*/true);
  ASSERT_NE(line, nullptr) << explain(first, text::kStreamId);
  EXPECT_EQ(line->substr(text::kStreamId.size(), 1), "1") << *line;
  // The next request on the same connection is the next client stream: 3.
  const Transfer second = get(easy.get(), server.url() + "/v0/workflows/wf/jobs/job-1");
  line = find_text(second, text::kStreamId, /*at_start=*/true);
  ASSERT_NE(line, nullptr) << explain(second, text::kStreamId);
  EXPECT_EQ(line->substr(text::kStreamId.size(), 1), "3") << *line;
}

TEST_F(LibcurlInfoTextTest, ItSaysWhenAGoawayArrivedAndItsLastStream) {
  testing::NodeTlsServer::Options options;
  options.goaway_every = 2;  // the second stream of a session: GOAWAY, last stream 1
  testing::NodeTlsServer server(options);
  CurlEasy easy(curl_easy_init());
  ASSERT_TRUE(easy);
  const std::string url = server.url() + "/v0/workflows/wf/jobs/job-1";
  ASSERT_EQ(get(easy.get(), url).code, CURLE_OK);
  const Transfer refused = get(easy.get(), url);
  ASSERT_EQ(server.stats().goaways, 1);
  const std::string* line = find_text(refused, text::kGoaway, /*at_start=*/false);
  ASSERT_NE(line, nullptr) << explain(refused, text::kGoaway);
  const auto last = line->find(text::kGoawayLastStream);
  ASSERT_NE(last, std::string::npos) << explain(refused, text::kGoawayLastStream);
  EXPECT_EQ(line->substr(last + text::kGoawayLastStream.size(), 1), "1") << *line;
}

TEST_F(LibcurlInfoTextTest, ItSaysWhenItSendsARefusedStreamAgain) {
  testing::NodeTlsServer::Options options;
  options.plan = "GET:refuse,ok";  // RST_STREAM(REFUSED_STREAM) for the first GET
  testing::NodeTlsServer server(options);
  CurlEasy easy(curl_easy_init());
  ASSERT_TRUE(easy);
  const Transfer transfer = get(easy.get(), server.url() + "/v0/workflows/wf/jobs/job-1");
  const std::string* line = find_text(transfer, text::kRefusedRetry, /*at_start=*/true);
  ASSERT_NE(line, nullptr) << explain(transfer, text::kRefusedRetry);
  // The resend is what the text announced: the second GET, answered.
  EXPECT_EQ(transfer.code, CURLE_OK) << curl_easy_strerror(transfer.code);
  EXPECT_EQ(transfer.status, 200);
  EXPECT_EQ(server.stats().refused, 1);
}

}  // namespace
}  // namespace pixxel::internal
