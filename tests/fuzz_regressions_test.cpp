// Replays every input kept in fuzz/regressions/<harness>/ (see its README.txt), and every seed
// in fuzz/corpus/<harness>/, through the function the libFuzzer harness calls
// (fuzz/fuzz_targets.hpp). Each input runs in a child process (a death test), so one that
// crashes, traps on a broken contract, or lets an exception escape that the contract does not
// allow fails with its file name and the child's report, and the others still run.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz_targets.hpp"

#ifndef PIXXEL_FUZZ_DIR
#error "PIXXEL_FUZZ_DIR must name the repository's fuzz/ directory"
#endif

namespace {

namespace fs = std::filesystem;

using Harness = void (*)(const std::uint8_t*, std::size_t);

const fs::path kFuzzDir = PIXXEL_FUZZ_DIR;
const std::set<std::string> kHarnesses = {"decode_job",    "decode_workflows", "client_error",
                                          "parse_helpers", "http_helpers",     "push_parser"};

// The input files of one directory, in a stable order; a missing directory has none.
std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name.rfind("README", 0) == 0 || name.front() == '.') continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs `harness` on every regression input and seed of `name` in a child process each;
// returns how many inputs ran.
std::size_t replay(const std::string& name, Harness harness) {
  std::vector<fs::path> files = inputs_in(kFuzzDir / "regressions" / name);
  const std::vector<fs::path> seeds = inputs_in(kFuzzDir / "corpus" / name);
  files.insert(files.end(), seeds.begin(), seeds.end());
  for (const fs::path& file : files) {
    const std::string input = read_file(file);
    const auto* data = reinterpret_cast<const std::uint8_t*>(input.data());
    EXPECT_EXIT(
        {
          harness(data, input.size());
          std::exit(0);
        },
        ::testing::ExitedWithCode(0), "")
        << "input " << file.string() << " (" << input.size() << " bytes)";
  }
  return files.size();
}

TEST(FuzzRegressionsTest, EveryHarnessHasSeedsAndNoRegressionDirectoryIsMisnamed) {
  ASSERT_TRUE(fs::is_directory(kFuzzDir / "regressions")) << kFuzzDir.string();
  for (const std::string& name : kHarnesses) {
    EXPECT_FALSE(inputs_in(kFuzzDir / "corpus" / name).empty()) << "no seeds for " << name;
  }
  // An input under a directory no harness reads would never be replayed.
  for (const fs::directory_entry& entry : fs::directory_iterator(kFuzzDir / "regressions")) {
    if (!entry.is_directory()) continue;
    EXPECT_EQ(kHarnesses.count(entry.path().filename().string()), 1u)
        << entry.path().string() << " is not the name of a harness";
  }
}

// Only pixxel::DecodeError escapes decode_job, decode_job_list and decode_download_link; a
// decoded job survives to_json/from_json unchanged; raw_bytes reads its raw fields.
TEST(FuzzRegressionsTest, DecodeJobInputsDecodeOrThrowOnlyDecodeError) {
  EXPECT_GT(replay("decode_job", &pixxel::fuzz::fuzz_decode_job), 0u);
}

// Only pixxel::DecodeError escapes the workflow, project and estimate decoders, without the
// key; what they accept survives to_json/from_json unchanged.
TEST(FuzzRegressionsTest, DecodeWorkflowsInputsDecodeOrThrowOnlyDecodeError) {
  EXPECT_GT(replay("decode_workflows", &pixxel::fuzz::fuzz_decode_workflows), 0u);
}

// create_job turns any answer into a Job or a pixxel::Error of the status's type, and no
// what() contains the API key.
TEST(FuzzRegressionsTest, ClientErrorInputsGiveTypedErrorsWithoutTheApiKey) {
  EXPECT_GT(replay("client_error", &pixxel::fuzz::fuzz_client_error), 0u);
}

// The parse helpers never throw, and parse_progress stays within [0, 100].
TEST(FuzzRegressionsTest, ParseHelperInputsNeverThrowAndProgressStaysInRange) {
  EXPECT_GT(replay("parse_helpers", &pixxel::fuzz::fuzz_parse_helpers), 0u);
}

// parse_url, resolve_location, parse_retry_after, percent_encode and redact keep their
// contracts.
TEST(FuzzRegressionsTest, HttpHelperInputsKeepTheirContracts) {
  EXPECT_GT(replay("http_helpers", &pixxel::fuzz::fuzz_http_helpers), 0u);
}

// The push parser gives nlohmann's SAX events, errors included, wherever the input is cut.
TEST(FuzzRegressionsTest, PushParserInputsGiveNlohmannsEvents) {
  EXPECT_GT(replay("push_parser", &pixxel::fuzz::fuzz_push_parser), 0u);
}

}  // namespace
