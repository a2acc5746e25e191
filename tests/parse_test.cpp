#include "pixxel/parse.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using pixxel::is_terminal_status;
using pixxel::parse_duration;
using pixxel::parse_progress;
using pixxel::parse_timestamp;

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kNanosPerMinute = 60 * kNanosPerSecond;
constexpr std::int64_t kNanosPerHour = 60 * kNanosPerMinute;

// Nanoseconds since the Unix epoch, so that failures print readable numbers.
std::optional<std::int64_t> epoch_nanos(std::string_view text) {
  const auto parsed = parse_timestamp(text);
  if (!parsed) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(parsed->time_since_epoch()).count();
}

std::optional<std::int64_t> duration_nanos(std::string_view text) {
  const auto parsed = parse_duration(text);
  if (!parsed) return std::nullopt;
  return parsed->count();
}

constexpr std::int64_t at(std::int64_t seconds, std::int64_t nanos = 0) {
  return seconds * kNanosPerSecond + nanos;
}

// Seconds since the epoch of 2024-01-02T03:04:05Z, checked with `date -u -d ... +%s`.
constexpr std::int64_t k20240102T030405 = 1704164645;

struct TimestampCase {
  std::string_view text;
  std::int64_t nanos;
};

TEST(ParseTimestampTest, AcceptsSpaceSeparatorMicrosecondsAndOffset) {
  EXPECT_EQ(epoch_nanos("2022-11-14 12:55:49.125928+00:00"), at(1668430549, 125928000));
}

TEST(ParseTimestampTest, AcceptsEverySeparatorAndUtcDesignator) {
  for (const std::string_view text :
       {"2024-01-02T03:04:05Z", "2024-01-02t03:04:05z", "2024-01-02 03:04:05Z",
        "2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05-00:00", "2024-01-02t03:04:05.0Z"}) {
    EXPECT_EQ(epoch_nanos(text), at(k20240102T030405)) << text;
  }
}

TEST(ParseTimestampTest, OffsetsShiftTheInstantToUtc) {
  const TimestampCase cases[] = {
      {"2024-01-02T05:34:05+02:30", at(k20240102T030405)},
      {"2024-01-02T00:04:05-03:00", at(k20240102T030405)},
      {"2024-01-02T03:04:05+00:01", at(k20240102T030405 - 60)},
      {"2024-01-02T03:04:05-23:59", at(k20240102T030405 + 23 * 3600 + 59 * 60)},
      // Across a day and a year boundary: 2024-01-01T00:30:00Z.
      {"2023-12-31T23:30:00-01:00", at(1704069000)},
  };
  for (const auto& c : cases) EXPECT_EQ(epoch_nanos(c.text), c.nanos) << c.text;
}

TEST(ParseTimestampTest, KeepsEveryFractionDigitUpToNanoseconds) {
  const TimestampCase cases[] = {
      {"2024-01-02T03:04:05.5Z", at(k20240102T030405, 500000000)},
      {"2024-01-02T03:04:05.05Z", at(k20240102T030405, 50000000)},
      {"2024-01-02T03:04:05.123Z", at(k20240102T030405, 123000000)},
      {"2024-01-02T03:04:05.123456Z", at(k20240102T030405, 123456000)},
      {"2024-01-02T03:04:05.123456789Z", at(k20240102T030405, 123456789)},
      {"2024-01-02T03:04:05.000000001Z", at(k20240102T030405, 1)},
      {"2024-01-02T03:04:05.999999999+01:00", at(k20240102T030405 - 3600, 999999999)},
  };
  for (const auto& c : cases) EXPECT_EQ(epoch_nanos(c.text), c.nanos) << c.text;
}

TEST(ParseTimestampTest, AcceptsFebruary29OnlyInLeapYears) {
  EXPECT_EQ(epoch_nanos("2024-02-29T00:00:00Z"), at(1709164800));
  EXPECT_EQ(epoch_nanos("2000-02-29T12:00:00Z"), at(951825600));
  EXPECT_EQ(epoch_nanos("2023-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(epoch_nanos("1900-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(epoch_nanos("2024-02-30T00:00:00Z"), std::nullopt);
}

TEST(ParseTimestampTest, HandlesInstantsBefore1970) {
  EXPECT_EQ(epoch_nanos("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(epoch_nanos("1969-12-31T23:59:59.5Z"), -500000000);
  EXPECT_EQ(epoch_nanos("1970-01-01T00:59:59+01:00"), -kNanosPerSecond);
  EXPECT_EQ(epoch_nanos("1900-01-01T00:00:00Z"), at(-2208988800));
  EXPECT_EQ(epoch_nanos("1700-03-01T00:00:00.25Z"), at(-8515238400, 250000000));
}

TEST(ParseTimestampTest, CountsALeapSecondAsTheStartOfTheNextMinute) {
  EXPECT_EQ(epoch_nanos("2016-12-31T23:59:60Z"), at(1483228800));
  EXPECT_EQ(epoch_nanos("2016-12-31T23:59:60.5Z"), at(1483228800, 500000000));
  EXPECT_EQ(epoch_nanos("2017-01-01T00:59:60+01:00"), at(1483228800));
  EXPECT_EQ(epoch_nanos("2016-12-31T23:59:61Z"), std::nullopt);
}

TEST(ParseTimestampTest, TreatsEmptyAndGoZeroTimeAsNotSet) {
  for (const std::string_view text :
       {"", "0001-01-01T00:00:00Z", "0001-01-01t00:00:00z", "0001-01-01 00:00:00Z",
        "0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00-00:00", "0001-01-01T00:00:00.000Z",
        "0001-01-01T00:00:00.000000000+00:00", "0001-01-01T01:30:00+01:30"}) {
    EXPECT_EQ(parse_timestamp(text), std::nullopt) << text;
  }
}

TEST(ParseTimestampTest, RejectsFieldsOutOfRange) {
  for (const std::string_view text :
       {"0000-01-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-13-10T00:00:00Z",
        "2024-01-00T00:00:00Z", "2024-01-32T00:00:00Z", "2024-04-31T00:00:00Z",
        "2024-06-31T00:00:00Z", "2024-09-31T00:00:00Z", "2024-11-31T00:00:00Z",
        "2024-01-02T24:00:00Z", "2024-01-02T03:60:00Z", "2024-01-02T03:04:61Z",
        "2024-01-02T03:04:99Z", "2024-01-02T03:04:05+24:00", "2024-01-02T03:04:05-00:60"}) {
    EXPECT_EQ(parse_timestamp(text), std::nullopt) << text;
  }
}

TEST(ParseTimestampTest, AcceptsTheLastValidValueOfEachField) {
  EXPECT_NE(parse_timestamp("2024-12-31T23:59:59.999999999+23:59"), std::nullopt);
  EXPECT_NE(parse_timestamp("2024-04-30T00:00:00-23:59"), std::nullopt);
  EXPECT_NE(parse_timestamp("2024-01-31T00:00:00Z"), std::nullopt);
}

TEST(ParseTimestampTest, RejectsMalformedText) {
  for (const std::string_view text : {
           "2024-01-02T03:04:05",              // no offset
           "2024-01-02",                       // no time
           "2024-01-02T03:04Z",                // no seconds
           "2024-01-02T03:04:05.Z",            // dot without digits
           "2024-01-02T03:04:05.1234567890Z",  // ten fraction digits
           "2024-01-02T03:04:05,5Z",           // comma fraction
           "2024-01-02T03:04:05Z ",            // trailing space
           " 2024-01-02T03:04:05Z",            // leading space
           "2024-01-02T03:04:05Zx",            // trailing garbage
           "2024-01-02T03:04:05+00:00Z",       // two offsets
           "2024-01-02T03:04:05+0000",         // offset without colon
           "2024-01-02T03:04:05+00",           // offset without minutes
           "2024-01-02T03:04:05+00:0",         // short offset minutes
           "2024-01-02T03:04:05 +00:00",       // space before offset
           "2024-01-02X03:04:05Z",             // unknown separator
           "2024-01-02  03:04:05Z",            // two separators
           "2024/01/02T03:04:05Z",             // slashes
           "2024-1-02T03:04:05Z",              // one-digit month
           "2024-01-2T03:04:05Z",              // one-digit day
           "2024-01-02T3:04:05Z",              // one-digit hour
           "24-01-02T03:04:05Z",               // two-digit year
           "12024-01-02T03:04:05Z",            // five-digit year
           "+2024-01-02T03:04:05Z",            // signed year
           "2024-01-02T03:04:+5Z",             // signed second
           "2024-01-02T03:04:05z+01:00",       // offset after z
           "Z",
           "not a timestamp",
       }) {
    EXPECT_EQ(parse_timestamp(text), std::nullopt) << text;
  }
  EXPECT_EQ(parse_timestamp(std::string_view("2024-01-02T03:04:05Z\0", 21)), std::nullopt);
}

TEST(ParseTimestampTest, RejectsInstantsTheClockCannotRepresent) {
  // system_clock counts 64-bit nanoseconds: about 1677-09-21 to 2262-04-11.
  EXPECT_EQ(parse_timestamp("9999-12-31T23:59:59Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("2263-01-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("1600-01-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_timestamp("0001-01-01T00:00:01Z"), std::nullopt);
  EXPECT_EQ(epoch_nanos("2262-01-01T00:00:00Z"), at(9214646400));
  EXPECT_EQ(epoch_nanos("1677-09-22T00:00:00Z"), at(-9223286400));
}

struct DurationCase {
  std::string_view text;
  std::int64_t nanos;
};

TEST(ParseDurationTest, ReadsGoDurations) {
  const DurationCase cases[] = {
      {"0", 0},
      {"-0", 0},
      {"+0", 0},
      {"0s", 0},
      {"3ns", 3},
      {"2us", 2'000},
      {"1\xC2\xB5s", 1'000},  // U+00B5 MICRO SIGN
      {"1\xCE\xBCs", 1'000},  // U+03BC GREEK SMALL LETTER MU
      {"150ms", 150'000'000},
      {"5s", 5 * kNanosPerSecond},
      {"+5s", 5 * kNanosPerSecond},
      {"2m", 2 * kNanosPerMinute},
      {"3h", 3 * kNanosPerHour},
      {"1h2m3.5s", kNanosPerHour + 2 * kNanosPerMinute + 3'500'000'000},
      {"-1.5h", -90 * kNanosPerMinute},
      {"1.5h", 90 * kNanosPerMinute},
      {".5s", 500'000'000},
      {"1.s", kNanosPerSecond},
      {"1h1h", 2 * kNanosPerHour},
      {"1s500ms", 1'500'000'000},
      {"-2m3s", -(2 * kNanosPerMinute + 3 * kNanosPerSecond)},
      {"1.000000001s", 1'000'000'001},
      {"0.1ns", 0},
      {"1.9ns", 1},
      {"0.000000000001h", 3},  // 3.6 ns, truncated
      {"0.333333333333333333333333h", 1'199'999'999'999},
      {"00010s", 10 * kNanosPerSecond},
  };
  for (const auto& c : cases) EXPECT_EQ(duration_nanos(c.text), c.nanos) << c.text;
}

TEST(ParseDurationTest, ReadsTheFullRangeAndRejectsOverflow) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(duration_nanos("9223372036854775807ns"), kMax);
  EXPECT_EQ(duration_nanos("-9223372036854775808ns"), kMin);
  EXPECT_EQ(duration_nanos("2562047h47m16.854775807s"), kMax);
  EXPECT_EQ(duration_nanos("2562047h"), 2562047 * kNanosPerHour);
  for (const std::string_view text :
       {"9223372036854775808ns", "-9223372036854775809ns", "2562048h", "2562047h47m16.854775808s",
        "99999999999999999999s", "9223372036854775807ns1ns",
        "-9223372036854775808ns9223372036854775808ns", "9223372036854775808",
        "9999999999999999999999:00:00", "2562048:00:00", "9223372036.854775808"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
}

TEST(ParseDurationTest, ReadsClockDurations) {
  const DurationCase cases[] = {
      {"00:00:00", 0},
      {"01:02:03", kNanosPerHour + 2 * kNanosPerMinute + 3 * kNanosPerSecond},
      {"1:02:03", kNanosPerHour + 2 * kNanosPerMinute + 3 * kNanosPerSecond},
      {"100:00:00", 100 * kNanosPerHour},
      {"23:59:59", 23 * kNanosPerHour + 59 * kNanosPerMinute + 59 * kNanosPerSecond},
      {"00:00:00.5", 500'000'000},
      {"12:34:56.7", 12 * kNanosPerHour + 34 * kNanosPerMinute + 56'700'000'000},
      {"00:00:01.123456789", 1'123'456'789},
      {"0000:00:00.000000001", 1},
  };
  for (const auto& c : cases) EXPECT_EQ(duration_nanos(c.text), c.nanos) << c.text;
}

TEST(ParseDurationTest, ReadsBareNumbersAsSeconds) {
  const DurationCase cases[] = {
      {"12", 12 * kNanosPerSecond}, {"0.25", 250'000'000},        {"12.5", 12'500'000'000},
      {".5", 500'000'000},          {"5.", 5 * kNanosPerSecond},  {"0.000000001", 1},
      {"0.0000000019", 1},          {"007", 7 * kNanosPerSecond},
  };
  for (const auto& c : cases) EXPECT_EQ(duration_nanos(c.text), c.nanos) << c.text;
}

TEST(ParseDurationTest, TrimsSurroundingSpaces) {
  EXPECT_EQ(duration_nanos("  1h  "), kNanosPerHour);
  EXPECT_EQ(duration_nanos("\t12\n"), 12 * kNanosPerSecond);
  EXPECT_EQ(duration_nanos(" 00:01:00 "), kNanosPerMinute);
}

TEST(ParseDurationTest, RejectsEverythingElse) {
  for (const std::string_view text : {
           "",
           " ",
           "abc",
           "1x",
           "5abc",
           "1h-2m",
           "--1s",
           "-+1s",
           "-",
           "+",
           "s",
           ".s",
           "-.s",
           ".",
           "1h 2m",
           "1 s",
           "-12",
           "+12",
           "1ms5",
           "1.2.3",
           "1.2.3s",
           "1e3s",
           "1e3",
           "1H",
           "1S",
           "1sec",
           "1\xC2s",
           "1\xB5s",
           "1 h",
           "1:2:3",
           "01:60:00",
           "01:00:60",
           "01:00",
           "01:00:00.",
           "-01:00:00",
           "+01:00:00",
           "01:00:00.1234567890",
           ":00:00",
           "01:0:00",
           "01:00:00:00",
           "01:00:00s",
           "0x10",
           "inf",
           "nan",
           "1,5s",
           "\xEF\xBC\x91s",
       }) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
  EXPECT_EQ(parse_duration(std::string_view("1s\0", 3)), std::nullopt);
}

TEST(ParseProgressTest, ReadsNumbersWithOptionalPercentSignAndSpaces) {
  const struct {
    std::string_view text;
    double value;
  } cases[] = {
      {"45", 45.0}, {"45.5", 45.5}, {"45%", 45.0},  {" 45 % ", 45.0},     {"\t45.5%\n", 45.5},
      {"0", 0.0},   {"0%", 0.0},    {"100", 100.0}, {"100%", 100.0},      {"100.0", 100.0},
      {".5", 0.5},  {"5.", 5.0},    {"007", 7.0},   {"33.3333", 33.3333},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_progress(c.text), c.value) << c.text;
}

TEST(ParseProgressTest, RejectsValuesOutsideZeroToHundred) {
  for (const std::string_view text :
       {"-1", "-0", "-0.0001", "100.0001", "101", "101%", "1000000"}) {
    EXPECT_EQ(parse_progress(text), std::nullopt) << text;
  }
  EXPECT_EQ(parse_progress(std::string(400, '9')), std::nullopt);
}

TEST(ParseProgressTest, RejectsAnythingButADecimalNumber) {
  for (const std::string_view text :
       {"",    " ",    "%",        " % ",        "abc",
        "+45", "1e2",  "1E1",      "0x10",       "inf",
        "nan", "NaN",  "infinity", "45%%",       "% 45",
        "%45", "45 5", "4 5%",     "45,5",       "45.5.5",
        ".",   ".%",   "45abc",    "45 percent", "\xD9\xA4\xD9\xA5"}) {
    EXPECT_EQ(parse_progress(text), std::nullopt) << text;
  }
  EXPECT_EQ(parse_progress(std::string_view("45\0", 3)), std::nullopt);
}

TEST(IsTerminalStatusTest, RecognizesEveryFinalStatusInAnyCase) {
  for (const std::string_view status :
       {"completed", "succeeded", "success",     "failed",    "failure",   "error",
        "cancelled", "canceled",  "aborted",     "rejected",  "COMPLETED", "Succeeded",
        "SuCcEsS",   "FAILED",    "Failure",     "ERROR",     "Cancelled", "CANCELED",
        "Aborted",   "REJECTED",  " completed ", "\tFailed\n"}) {
    EXPECT_TRUE(is_terminal_status(status)) << status;
  }
}

TEST(IsTerminalStatusTest, TreatsEverythingElseAsNotFinal) {
  for (const std::string_view status :
       {"running", "queued", "pending", "in_progress", "processing", "", " ", "completedx",
        "xcompleted", "complete", "succeed", "fail", "cancel", "errors", "com pleted", "completed.",
        "c\xC3\xB6mpleted"}) {
    EXPECT_FALSE(is_terminal_status(status)) << status;
  }
  EXPECT_FALSE(is_terminal_status(std::string_view("error\0", 6)));
}

// Deterministic inputs that look a little like what the parsers expect, so that they travel
// deep into them, mixed with raw bytes.
class FuzzInputs {
 public:
  std::string next() {
    switch (engine_() % 3) {
      case 0:
        return from_alphabet();
      case 1:
        return raw_bytes();
      default:
        return mutated_seed();
    }
  }

 private:
  std::size_t below(std::size_t bound) { return engine_() % bound; }

  std::string from_alphabet() {
    static constexpr std::string_view kAlphabet = "0123456789.:-+TtZz %hmsun\xC2\xB5\xCE\xBC";
    std::string text(below(40), ' ');
    for (char& c : text) c = kAlphabet[below(kAlphabet.size())];
    return text;
  }

  std::string raw_bytes() {
    std::string text(below(40), '\0');
    for (char& c : text) c = static_cast<char>(below(256));
    return text;
  }

  std::string mutated_seed() {
    static const std::vector<std::string> kSeeds = {"2022-11-14 12:55:49.125928+00:00",
                                                    "2024-01-02T03:04:05Z",
                                                    "1h2m3.5s",
                                                    "150ms",
                                                    "-1.5h",
                                                    "12:34:56.789",
                                                    "0.25",
                                                    "45.5%",
                                                    "completed",
                                                    "9223372036854775807ns"};
    std::string text = kSeeds[below(kSeeds.size())];
    const std::size_t edits = below(4);
    for (std::size_t i = 0; i < edits && !text.empty(); ++i) {
      const std::size_t pos = below(text.size());
      switch (below(3)) {
        case 0:
          text[pos] = static_cast<char>(below(256));
          break;
        case 1:
          text.erase(pos, 1);
          break;
        default:
          text.insert(pos, 1, "0123456789.:-+Z%"[below(16)]);
      }
    }
    return text;
  }

  std::mt19937 engine_{20240102};
};

TEST(ParseFuzzTest, SurvivesDeterministicPseudoRandomInput) {
  FuzzInputs inputs;
  int timestamps = 0;
  int durations = 0;
  int progresses = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = inputs.next();
    if (parse_timestamp(text)) ++timestamps;
    if (parse_duration(text)) ++durations;
    if (const auto progress = parse_progress(text)) {
      ++progresses;
      EXPECT_GE(*progress, 0.0) << text;
      EXPECT_LE(*progress, 100.0) << text;
    }
    is_terminal_status(text);
  }
  // The generator must reach the accepting paths, or the run proves little.
  EXPECT_GT(timestamps, 0);
  EXPECT_GT(durations, 0);
  EXPECT_GT(progresses, 0);
}

}  // namespace
