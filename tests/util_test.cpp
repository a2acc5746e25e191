// The library's small helpers (pixxel_util): the one copy that the library, the mock server,
// the CLI and the fuzzers share.

#include <gtest/gtest.h>

#include <string>

#include "http_date.hpp"
#include "text.hpp"
#include "url.hpp"

namespace pixxel::internal {
namespace {

TEST(TextTest, IequalsFoldsAsciiCaseOnly) {
  EXPECT_TRUE(iequals("Content-Length", "content-LENGTH"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Content-Length", "Content-Lengths"));
  EXPECT_FALSE(iequals("\xC3\x89", "\xC3\xA9"));  // É and é: not ASCII
  EXPECT_FALSE(iequals("[", "{"));                // 0x5B and 0x7B differ by the case bit only
}

TEST(TextTest, TrimRemovesAsciiWhiteSpaceAtBothEnds) {
  EXPECT_EQ(trim(" \t\r\n\f\vbytes, none\v\f\n\r\t "), "bytes, none");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim("\xC2\xA0x"), "\xC2\xA0x");  // a non-breaking space is not ASCII
}

TEST(TextTest, ReadDigitsTakesAsciiDigitsAndNothingElse) {
  int value = -1;
  EXPECT_TRUE(read_digits("0", value));
  EXPECT_EQ(value, 0);
  EXPECT_TRUE(read_digits("65535", value));
  EXPECT_EQ(value, 65535);
  for (const char* text : {"", "-0", "+1", " 1", "1 ", "1a", "0x1", "99999999999"}) {
    EXPECT_FALSE(read_digits(text, value)) << text;
  }
}

TEST(TextTest, HexDigitReadsEitherCase) {
  EXPECT_EQ(hex_digit('0'), 0);
  EXPECT_EQ(hex_digit('9'), 9);
  EXPECT_EQ(hex_digit('a'), 10);
  EXPECT_EQ(hex_digit('F'), 15);
  EXPECT_EQ(hex_digit('g'), -1);
  EXPECT_EQ(hex_digit('/'), -1);
}

TEST(HttpDateTest, DaysFromCivilCountsFromTheUnixEpoch) {
  static_assert(days_from_civil(1970, 1, 1) == 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
  EXPECT_EQ(days_from_civil(1, 1, 1), -719162);
  EXPECT_EQ(days_from_civil(9999, 12, 31), 2932896);
}

TEST(HttpDateTest, ParsesEachHttpDateForm) {
  constexpr std::int64_t kExpected = 784111777;  // 1994-11-06 08:49:37 UTC
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kExpected);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kExpected);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kExpected);
  for (const char* text : {"Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Nov 1994 24:49:37 GMT",
                           "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, -6 Nov 1994 08:49:37 GMT",
                           "Sun, 06 Nox 1994 08:49:37 GMT", "1994-11-06T08:49:37Z", ""}) {
    EXPECT_EQ(parse_http_date(text), std::nullopt) << text;
  }
}

TEST(UrlTest, PercentDecodeGivesBackWhatPercentEncodeEncoded) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  EXPECT_EQ(percent_decode(percent_encode(every_byte)), every_byte);
  EXPECT_EQ(percent_decode("%2f%2F%41"), "//A");
}

TEST(UrlTest, PercentDecodeKeepsWhatIsNotAnEscape) {
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("100%"), "100%");
}

TEST(UrlTest, LoopbackHostsAreLocalhostIpv6OneAnd127DottedQuads) {
  for (const char* host : {"localhost", "LocalHost", "[::1]", "127.0.0.1", "127.255.255.255"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  // "127.-0.0.1" is no address but a name that DNS may send anywhere.
  for (const char* host : {"127.-0.0.1", "127.+1.0.1", "127.0.0.256", "127.0.0", "127.0.0.1.2",
                           "127.0.0.1x", "128.0.0.1", "localhost.example.com", "[::2]"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

}  // namespace
}  // namespace pixxel::internal
