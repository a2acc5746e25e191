// The push parser (src/decode/push_parser.hpp) against nlohmann's json::sax_parse: the same
// SAX events, values and errors (message, position, last token) for every seed of
// fuzz/corpus cut at every position and at random places, for inputs made to hit each
// lexer state, and for thousands of mutations of the seeds.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fuzz_targets.hpp"

#ifndef PIXXEL_FUZZ_DIR
#error "PIXXEL_FUZZ_DIR must name the repository's fuzz/ directory"
#endif

namespace {

namespace fs = std::filesystem;
using pixxel::fuzz::nlohmann_events;
using pixxel::fuzz::push_events;

std::vector<std::string> seeds() {
  std::vector<std::string> inputs;
  std::vector<fs::path> files;
  for (const auto& dir : fs::directory_iterator(fs::path(PIXXEL_FUZZ_DIR) / "corpus")) {
    for (const auto& entry : fs::directory_iterator(dir.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return inputs;
}

// Inputs that reach every state of the lexer and every branch of the parser, valid or not,
// each also cut short at every length below.
const std::vector<std::string> kEdgeCases = {
    "",
    " ",
    "\xEF\xBB\xBF{}",
    "\xEF\xBB",
    "\xEF\xBBX{}",
    "\xEF{}",
    " \xEF\xBB\xBF{}",
    "{}\0garbage",
    std::string("{}\0garbage", 10),
    std::string("[1,\0]", 5),
    std::string("\0", 1),
    "[]",
    "{}",
    "[[[[[]]]]]",
    "{\"a\":{\"b\":[{}]}}",
    "[1,2,]",
    "{\"a\":1,}",
    "{,}",
    "{\"a\" 1}",
    "{\"a\":1 \"b\":2}",
    "[1 2]",
    "{1:2}",
    "]",
    "}",
    ":",
    ",",
    "[true,false,null]",
    "tru",
    "trUe",
    "nul",
    "fals",
    "falsey",
    "truex",
    "nullnull",
    "0",
    "-0",
    "-",
    "-a",
    "01",
    "00",
    "1.",
    "1.x",
    ".5",
    "1e",
    "1e+",
    "1e-x",
    "1E5",
    "1.5e-7",
    "-1.5E+7",
    "123abc",
    "1.0.0",
    "1e5e5",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "1e308",
    "1e309",
    "-1e309",
    "1e-400",
    "123456789012345678901234567890",
    "\"\"",
    "\"abc",
    "\"a\\",
    "\"a\\x\"",
    "\"\\u\"",
    "\"\\u12\"",
    "\"\\u12G4\"",
    "\"\\u00e9\\u20AC\"",
    "\"\\ud83d\\ude00\"",
    "\"\\ud83d\"",
    "\"\\ud83dx\"",
    "\"\\ud83d\\\"",
    "\"\\ud83d\\x\"",
    "\"\\ud83d\\u0041\"",
    "\"\\ud83d\\uDFFF\"",
    "\"\\udc00\"",
    "\"\\u0000\"",
    "\"\\b\\f\\n\\r\\t\\/\\\\\\\"\"",
    std::string("\"\0\"", 3),
    "\"\x01\"",
    "\"\x1f\"",
    "\"\t\"",
    "\"\n\"",
    "\"\x7f\"",
    "\"\xc3\xa9\"",
    "\"\xc3\"",
    "\"\xc3x\"",
    "\"\xc1\xbf\"",
    "\"\xe0\xa0\x80\"",
    "\"\xe0\x80\x80\"",
    "\"\xed\x9f\xbf\"",
    "\"\xed\xa0\x80\"",
    "\"\xef\xbf\xbf\"",
    "\"\xf0\x90\x80\x80\"",
    "\"\xf0\x80\x80\x80\"",
    "\"\xf4\x8f\xbf\xbf\"",
    "\"\xf4\x90\x80\x80\"",
    "\"\xf5\x80\x80\x80\"",
    "\"\x80\"",
    "\"\xff\"",
    "[\"a\"x]",
    "{\"a\":1}x",
    "{\"a\":1} x",
    "{\"a\":1}\n\n  x",
    "[1,\n2,\n\r\n3\n,x]",
    "[1\n]",
    "[1\nx",
    "[1e400\n]",
    "{\"a\":\n  tru\n}",
    "   \t\r\n  [  ]  \n",
    "{\"key\":\"value\",\"key\":\"other\"}",
    "[\"\x01\"]",
    "[1, 2, 3, x, 4]",
    "{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"} ",
};

// Every piece boundary a test cuts at: the full list of 2-piece splits, one byte at a time,
// and `random` sets of 1..8 cuts.
void expect_same_everywhere(const std::string& input, std::mt19937& random, int random_cuts) {
  const std::string expected = nlohmann_events(input);
  ASSERT_EQ(push_events(input, {}), expected) << "input: " << input;
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    ASSERT_EQ(push_events(input, {cut}), expected) << "cut at " << cut << " of: " << input;
  }
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  ASSERT_EQ(push_events(input, cuts), expected) << "one byte at a time: " << input;
  for (int round = 0; round < random_cuts && !input.empty(); ++round) {
    cuts.clear();
    const std::size_t count = 1 + random() % 8;
    for (std::size_t i = 0; i < count; ++i) cuts.push_back(random() % (input.size() + 1));
    std::sort(cuts.begin(), cuts.end());
    ASSERT_EQ(push_events(input, cuts), expected) << "random cuts of: " << input;
  }
}

TEST(PushParserTest, EverySeedGivesNlohmannsEventsCutAnywhere) {
  std::mt19937 random(20);
  const std::vector<std::string> inputs = seeds();
  ASSERT_GT(inputs.size(), 50u);
  for (const std::string& input : inputs) expect_same_everywhere(input, random, 20);
}

TEST(PushParserTest, EdgeCasesAndTheirPrefixesGiveNlohmannsEvents) {
  std::mt19937 random(21);
  for (const std::string& input : kEdgeCases) {
    for (std::size_t length = 0; length <= input.size(); ++length) {
      expect_same_everywhere(input.substr(0, length), random, 4);
    }
  }
}

TEST(PushParserTest, ErrorsCarryNlohmannsMessagePositionAndLastToken) {
  // Pinned once in full, so that a change of both parsers alike would still show.
  const std::string bad_literal = "{\n  \"a\": tru }";
  EXPECT_EQ(push_events(bad_literal, {5}), nlohmann_events(bad_literal));
  EXPECT_THAT(push_events(bad_literal, {5}),
              ::testing::HasSubstr(
                  "error at 13 after '\"a\": tru ': [json.exception.parse_error.101] parse error "
                  "at line 2, column 11: syntax error while parsing value - invalid literal; "
                  "last read: '\"a\": tru '"));
  EXPECT_EQ(push_events("[1e400]", {3}), nlohmann_events("[1e400]"));
  EXPECT_THAT(push_events("[1e400]", {3}),
              ::testing::HasSubstr("error at 6 after '1e400': [json.exception.out_of_range.406] "
                                   "number overflow parsing '1e400'"));
}

// Mutations of the seeds: bytes replaced, inserted, removed, repeated, and the input cut
// short, biased towards the bytes JSON's grammar turns on.
TEST(PushParserTest, MutatedSeedsGiveNlohmannsEvents) {
  std::mt19937 random(22);
  static const char kGrammar[] = "{}[]:,\"\\u0123456789.eE+-tfnrl \n\t\0\x1f\x7f";
  const std::string interesting =
      std::string(kGrammar, sizeof kGrammar - 1) + "\xc3\xa9\xed\xa0\xf0\x9f\xef\xbb\xbf\x80\xff";
  std::vector<std::string> inputs = seeds();
  for (const std::string& edge : kEdgeCases) inputs.push_back(edge);
  int mutations = 0;
  for (const std::string& seed : inputs) {
    for (int n = 0; n < 200; ++n) {
      std::string input = seed;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = input.empty() ? 0 : random() % (input.size() + 1);
        const char byte = random() % 4 == 0 ? static_cast<char>(random() % 256)
                                            : interesting[random() % interesting.size()];
        switch (random() % 5) {
          case 0:
            if (at < input.size()) input[at] = byte;
            break;
          case 1:
            input.insert(at, 1, byte);
            break;
          case 2:
            if (at < input.size()) input.erase(at, 1 + random() % 3);
            break;
          case 3:
            if (at < input.size()) input.insert(at, input.substr(at, 1 + random() % 8));
            break;
          default:
            input.resize(at);
            break;
        }
      }
      ++mutations;
      const std::string expected = nlohmann_events(input);
      ASSERT_EQ(push_events(input, {}), expected) << "input: " << input;
      std::vector<std::size_t> cuts;
      for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
      ASSERT_EQ(push_events(input, cuts), expected) << "one byte at a time: " << input;
      for (int round = 0; round < 3 && !input.empty(); ++round) {
        cuts.clear();
        for (std::size_t i = 0, count = 1 + random() % 6; i < count; ++i) {
          cuts.push_back(random() % (input.size() + 1));
        }
        std::sort(cuts.begin(), cuts.end());
        ASSERT_EQ(push_events(input, cuts), expected) << "random cuts of: " << input;
      }
    }
  }
  EXPECT_GT(mutations, 20000);
}

// A body decoded as it arrives (BodyDecode) gives decode_body's value or DecodeError, path
// and reason alike, wherever it is cut: every seed and every mutation of a decode seed, as
// each of the answer models.
template <class T>
void expect_same_decode(const std::string& input, std::mt19937& random) {
  const std::string whole = pixxel::fuzz::decoded_outcome<T>(input, nullptr);
  std::vector<std::size_t> cuts;
  ASSERT_EQ(pixxel::fuzz::decoded_outcome<T>(input, &cuts), whole) << input;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  ASSERT_EQ(pixxel::fuzz::decoded_outcome<T>(input, &cuts), whole) << input;
  for (int round = 0; round < 4 && !input.empty(); ++round) {
    cuts.clear();
    for (std::size_t i = 0, count = 1 + random() % 6; i < count; ++i) {
      cuts.push_back(random() % (input.size() + 1));
    }
    std::sort(cuts.begin(), cuts.end());
    ASSERT_EQ(pixxel::fuzz::decoded_outcome<T>(input, &cuts), whole) << input;
  }
}

TEST(BodyDecodeTest, PiecesDecodeAsTheWholeBodyDoes) {
  std::mt19937 random(23);
  std::vector<std::string> inputs = seeds();
  const std::size_t count = inputs.size();
  for (std::size_t i = 0; i < count; ++i) {
    for (int n = 0; n < 5; ++n) {
      std::string mutated = inputs[i];
      if (mutated.empty()) break;
      const std::size_t at = random() % mutated.size();
      switch (random() % 3) {
        case 0:
          mutated[at] = "\"{}[]:,0-.e\\nx"[random() % 13];
          break;
        case 1:
          mutated.erase(at, 1);
          break;
        default:
          mutated.resize(at);
          break;
      }
      inputs.push_back(std::move(mutated));
    }
  }
  int values = 0;
  for (const std::string& input : inputs) {
    expect_same_decode<pixxel::Job>(input, random);
    expect_same_decode<pixxel::internal::JobListDraft>(input, random);
    expect_same_decode<pixxel::DownloadLink>(input, random);
    expect_same_decode<pixxel::CostEstimate>(input, random);
    expect_same_decode<pixxel::WorkflowPage>(input, random);
    expect_same_decode<pixxel::Workflow>(input, random);
    expect_same_decode<pixxel::ProjectPage>(input, random);
    expect_same_decode<pixxel::Project>(input, random);
    if (pixxel::fuzz::decoded_outcome<pixxel::Job>(input, nullptr).rfind("value", 0) == 0) {
      ++values;
    }
  }
  // Both outcomes were compared: some inputs decode, others fail.
  EXPECT_GT(values, 10);
}

}  // namespace
