// The decoder against golden outcomes. tests/data/decode_golden.json holds answer bodies, one
// per line, each with what decode_job, decode_job_list or decode_download_link gives for it:
// a value, or a DecodeError's path and reason. The bodies cover every rule at every kind of
// value (and at the number edges of the integer and number rules), every member of every
// model, repeated keys and competing errors, bodies that are not JSON, and some pseudo-random
// and mutated bodies. The outcomes were recorded once, from the decoder that had been checked
// against the DOM decoder it replaced on 23,500 bodies.
//
// In the file, a value lists only the members that differ from a default model, nested models
// (tasks, val_errors, block_info) likewise; a body or reason that is not UTF-8 is given in hex
// (body_hex, reason_hex). When a change of behaviour is meant, a failure prints the case's new
// line, to be reviewed and pasted over the old one.

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "decode/decode.hpp"
#include "decode/field_rules.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/models.hpp"

#ifndef PIXXEL_TEST_DATA_DIR
#error "PIXXEL_TEST_DATA_DIR must name tests/data"
#endif

namespace {

using nlohmann::json;
using pixxel::DownloadLink;
using pixxel::Job;

// The outcomes were recorded with this nlohmann/json. Its parse error messages make up the
// reasons of bodies that are not JSON; another version may word them differently.
constexpr bool kRecordingParser = NLOHMANN_JSON_VERSION_MAJOR == 3 &&
                                  NLOHMANN_JSON_VERSION_MINOR == 11 &&
                                  NLOHMANN_JSON_VERSION_PATCH == 2;
constexpr std::string_view kNotJson = "not valid JSON: ";

struct Case {
  std::size_t line = 0;
  std::string group;
  std::string decoder;  // "job", "job_list" or "download_link"
  std::string body;
  json expected;  // the case's line, for its "value" or "error"
};

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string text(const json& object, const std::string& key) {
  if (object.contains(key)) return object.at(key).get<std::string>();
  return from_hex(object.at(key + "_hex").get<std::string>());
}

const std::vector<Case>& golden_cases() {
  static const std::vector<Case> cases = [] {
    std::ifstream file(std::string(PIXXEL_TEST_DATA_DIR) + "/decode_golden.json");
    std::stringstream content;
    content << file.rdbuf();
    std::vector<Case> out;
    std::size_t line = 1;  // the opening bracket
    for (const json& record : json::parse(content.str())) {
      Case c;
      c.line = ++line;
      c.group = record.at("group").get<std::string>();
      c.decoder = record.at("decoder").get<std::string>();
      c.body = text(record, "body");
      c.expected = record;
      out.push_back(std::move(c));
    }
    return out;
  }();
  return cases;
}

// --- Outcomes in the file's form -------------------------------------------------------------

json overlay(const json& full, const json& defaults);

// The default of the model nested under `key`, or null where no model is nested.
json nested_defaults(const std::string& key) {
  if (key == "tasks") return json(pixxel::Task{});
  if (key == "val_errors") return json(pixxel::ValError{});
  if (key == "block_info") return json(pixxel::BlockInfo{});
  return nullptr;
}

// The members of `full` that differ from `defaults`, nested models likewise.
json overlay(const json& full, const json& defaults) {
  json out = json::object();
  for (const auto& [key, value] : full.items()) {
    if (defaults.contains(key) && defaults.at(key).dump() == value.dump()) continue;
    const json nested = nested_defaults(key);
    if (nested.is_null()) {
      out[key] = value;
    } else if (value.is_array()) {
      json elements = json::array();
      for (const json& element : value) elements.push_back(overlay(element, nested));
      out[key] = std::move(elements);
    } else {
      out[key] = overlay(value, nested);
    }
  }
  return out;
}

json value_of(const Job& job) { return overlay(json(job), json(Job{})); }
json value_of(const DownloadLink& link) { return overlay(json(link), json(DownloadLink{})); }
json value_of(const std::vector<Job>& jobs) {
  json out = json::array();
  for (const Job& job : jobs) out.push_back(value_of(job));
  return out;
}

struct Outcome {
  std::optional<json> value;
  std::string path;
  std::string reason;
  std::string unexpected;  // an exception other than DecodeError

  std::string describe() const {
    if (!unexpected.empty()) return "unexpected exception: " + unexpected;
    if (value) return "value " + value->dump();
    return "DecodeError at `" + path +
           "`: " + json(reason).dump(-1, ' ', false, json::error_handler_t::replace);
  }
};

template <class F>
Outcome run(F&& decode) {
  Outcome outcome;
  try {
    outcome.value = value_of(decode());
  } catch (const pixxel::DecodeError& e) {
    outcome.path = e.path();
    outcome.reason = e.reason();
  } catch (const std::exception& e) {
    outcome.unexpected = std::string("what() ") + e.what();
  }
  return outcome;
}

// The bodies were recorded before answers had to carry their models' `id`: they test every
// other rule, so they are decoded without that one (IdentityTest in models_test has it).
Outcome decode_bytes(const Case& c) {
  using pixxel::internal::decode_body;
  if (c.decoder == "job") return run([&] { return decode_body<Job>(c.body, {}, false); });
  if (c.decoder == "job_list") {
    return run([&] {
      return decode_body<pixxel::internal::JobListDraft>(c.body, {}, false).jobs;
    });
  }
  return run([&] { return decode_body<DownloadLink>(c.body, {}, false); });
}

bool same(const Outcome& a, const Outcome& b) {
  if (!a.unexpected.empty() || !b.unexpected.empty()) return false;
  if (a.value.has_value() != b.value.has_value()) return false;
  if (a.value) return a.value->dump() == b.value->dump();
  return a.path == b.path && a.reason == b.reason;
}

bool matches_golden(const Case& c, const Outcome& got) {
  if (!got.unexpected.empty()) return false;
  if (c.expected.contains("value")) {
    return got.value && got.value->dump() == c.expected.at("value").dump();
  }
  const json& error = c.expected.at("error");
  const std::string reason = text(error, "reason");
  if (got.value || got.path != text(error, "path")) return false;
  if (!kRecordingParser && reason.rfind(kNotJson, 0) == 0) {
    return got.reason.rfind(kNotJson, 0) == 0;
  }
  return got.reason == reason;
}

// The case's line as the file would hold it with `got` as its outcome.
std::string golden_line(const Case& c, const Outcome& got) {
  nlohmann::ordered_json line;
  line["group"] = c.group;
  line["decoder"] = c.decoder;
  for (const char* key : {"body", "body_hex"}) {
    if (c.expected.contains(key)) line[key] = c.expected.at(key);
  }
  if (got.value) {
    line["value"] = *got.value;
  } else {
    line["error"] = {{"path", got.path}, {"reason", got.reason}};
  }
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string excerpt(std::string_view text, std::size_t max = 300) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "... (" + std::to_string(text.size()) + " bytes)";
}

// A broken rule fails many cases; the first few say enough.
class Failures {
 public:
  void add(const std::string& message) {
    if (++count_ <= 20) ADD_FAILURE() << message;
  }
  std::size_t count() const { return count_; }

 private:
  std::size_t count_ = 0;
};

// --- Tests -----------------------------------------------------------------------------------

TEST(DecodeGoldenTest, TheFileHoldsEveryKindOfOutcome) {
  std::size_t values = 0;
  std::size_t errors = 0;
  std::size_t not_json = 0;
  std::vector<std::string> decoders;
  for (const Case& c : golden_cases()) {
    decoders.push_back(c.decoder);
    if (c.expected.contains("value")) {
      ++values;
    } else if (text(c.expected.at("error"), "reason").rfind(kNotJson, 0) == 0) {
      ++not_json;
    } else {
      ++errors;
    }
  }
  EXPECT_GE(golden_cases().size(), 700u);
  EXPECT_GT(values, 300u);
  EXPECT_GT(errors, 250u);
  EXPECT_GT(not_json, 80u);
  for (const char* decoder : {"job", "job_list", "download_link"}) {
    EXPECT_GT(std::count(decoders.begin(), decoders.end(), decoder), 50) << decoder;
  }
}

TEST(DecodeGoldenTest, BodyDecodersGiveTheRecordedOutcomes) {
  Failures failures;
  for (const Case& c : golden_cases()) {
    const Outcome got = decode_bytes(c);
    if (!matches_golden(c, got)) {
      failures.add("decode_" + c.decoder + " differs from line " + std::to_string(c.line) + " (" +
                   c.group + ")\n  body: " + excerpt(c.body) + "\n  got: " + got.describe() +
                   "\n  new line: " + golden_line(c, got));
    }
  }
  EXPECT_EQ(failures.count(), 0u);
}

// from_json on the parsed body is the same decoder fed from a DOM: same values, same errors.
// The jobs of a list have no adapter of their own, so their elements are compared one by one.
TEST(DecodeGoldenTest, FromJsonAgreesWithTheBodyDecoders) {
  Failures failures;
  std::size_t compared = 0;
  for (const Case& c : golden_cases()) {
    const json document = json::parse(c.body, nullptr, false);
    if (document.is_discarded()) continue;
    const Outcome bytes = decode_bytes(c);
    Outcome dom;
    if (c.decoder == "job") {
      dom = run([&] { return document.get<Job>(); });
    } else if (c.decoder == "download_link") {
      dom = run([&] { return document.get<DownloadLink>(); });
    } else {
      if (!bytes.value) continue;
      dom = run([&] {
        std::vector<Job> jobs;
        const json* list = document.contains("jobs") ? &document.at("jobs") : nullptr;
        if (list != nullptr && list->is_array()) {
          for (const json& element : *list) jobs.push_back(element.get<Job>());
        }
        return jobs;
      });
    }
    ++compared;
    if (!same(dom, bytes)) {
      failures.add("from_json differs from decode_" + c.decoder + " on line " +
                   std::to_string(c.line) + " (" + c.group + ")\n  body: " + excerpt(c.body) +
                   "\n  from_json: " + dom.describe() + "\n  decode_" + c.decoder + ": " +
                   bytes.describe());
    }
  }
  EXPECT_GT(compared, 600u);
  EXPECT_EQ(failures.count(), 0u);
}

// --- Depth: explicit stacks, never the C stack ----------------------------------------------

constexpr std::size_t kDeep = 100000;

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string fill(std::string_view position, const std::string& value) {
  std::string body;
  for (const char c : position) {
    if (c == '@') {
      body += value;
    } else {
      body += c;
    }
  }
  return body;
}

struct DeepCase {
  const char* position;  // `@` stands for the deep value
  const char* path;      // empty with an empty reason: a value
  std::string reason;
};

std::vector<DeepCase> deep_cases() {
  const std::string too_deep = pixxel::internal::too_deep_reason();
  // Each job has its id, which an answer must carry (IdentityTest).
  return {{R"({"surprise": @, "id": "j"})", "", ""},
          {R"({"id": "j", "spec": @})", "spec", too_deep},
          {R"({"id": "j", "tasks": [{"result": [1], "inputs": @}]})", "tasks[0].inputs",
           too_deep},
          {R"({"id": "j", "status": @})", "status", "expected a string or a number, got an array"},
          {R"({"id": "j", "tasks": [{"depends_on": [@]}]})", "tasks[0].depends_on[0]",
           "expected a string or a number, got an array"},
          {R"({"id": "j", "tasks": [@]})", "tasks[0]", "expected an object, got an array"},
          {R"({"id": "j", "spec": @, "cost": "x"})", "cost",
           "expected an integer, got the string \"x\""},
          {R"({"id": "j", "spec": @, "spec": 1})", "", ""},
          {"@", "", "expected an object, got an array"}};
}

TEST(DecodeGoldenTest, ValuesNestedOneHundredThousandDeepDecodeFromBytesAndFromJson) {
  const std::string deep = nested_arrays(kDeep);
  for (const DeepCase& c : deep_cases()) {
    const std::string body = fill(c.position, deep);
    const Outcome bytes = run([&] { return pixxel::internal::decode_job(body); });
    const json document = json::parse(body);
    const Outcome dom = run([&] { return document.get<Job>(); });
    for (const Outcome* got : {&bytes, &dom}) {
      SCOPED_TRACE(std::string(c.position) + (got == &bytes ? " from bytes" : " from json"));
      ASSERT_TRUE(got->unexpected.empty()) << got->unexpected;
      if (c.reason.empty()) {
        EXPECT_TRUE(got->value.has_value()) << got->describe();
      } else {
        EXPECT_FALSE(got->value.has_value());
        EXPECT_EQ(got->path, c.path);
        EXPECT_EQ(got->reason, c.reason);
      }
    }
  }
  // Unclosed: not JSON, however deep.
  const Outcome unclosed =
      run([&] { return pixxel::internal::decode_job(R"({"spec": )" + std::string(kDeep, '[')); });
  EXPECT_EQ(unclosed.reason.rfind(kNotJson, 0), 0u) << unclosed.describe();
}

TEST(DecodeGoldenTest, ARawValueKeepsEveryLevelUpToTheLimitAndIsRefusedBeyondIt) {
  const std::size_t limit = pixxel::internal::kMaxRawDepth;
  const auto depth_of = [](const json& value) {
    std::size_t depth = 0;
    for (const json* node = &value; node->is_array(); node = &node->front()) {
      ++depth;
      if (node->empty()) break;
    }
    return depth;
  };
  const std::string at_limit = R"({"id": "j", "spec": )" + nested_arrays(limit) + "}";
  EXPECT_EQ(depth_of(pixxel::internal::decode_job(at_limit).spec), limit);
  EXPECT_EQ(depth_of(json::parse(at_limit).get<Job>().spec), limit);

  const std::string beyond =
      R"({"id": "j", "tasks": [{"inputs": )" + nested_arrays(limit + 1) + "}]}";
  for (const auto& decode :
       std::vector<std::function<Job()>>{[&] { return pixxel::internal::decode_job(beyond); },
                                         [&] { return json::parse(beyond).get<Job>(); }}) {
    const Outcome got = run(decode);
    EXPECT_FALSE(got.value.has_value());
    EXPECT_EQ(got.path, "tasks[0].inputs");
    EXPECT_EQ(got.reason, pixxel::internal::too_deep_reason());
  }
}

}  // namespace
