// Differential test of the answer-body decoders. internal::decode_job, decode_job_list and
// decode_download_link read bytes through nlohmann's SAX interface straight into the models;
// they must give exactly what the DOM decoder they replaced gave: equal values, or DecodeErrors
// with equal path() and reason(). That decoder is kept below, verbatim, as the oracle; the DOM
// adapters (json::parse, then get<T>()) are compared too. The corpus: the documented example,
// every lenient form and error case of models_test at every field, error precedence and
// duplicate keys, syntax errors, deep nesting, and thousands of deterministic pseudo-random
// bodies and mutations of valid ones.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../src/internal/decode.hpp"
#include "../src/internal/field_rules.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/models.hpp"

// The oracle: the DOM-based decoder of src/models.cpp as it was before the SAX decoder, kept
// unchanged so that the comparison is with what callers used to get.
namespace pixxel::dom_oracle {
namespace {

using json = nlohmann::json;

// Decoding is written once for both sources: `const json` when decoding a caller's value
// (strings and raw values are copied) and `json` when decoding a document parsed here
// (they are moved out). Like<J, T> is T with J's constness.
template <class J, class T>
using Like = std::conditional_t<std::is_const_v<J>, const T, T>;

// Where a value sits: a chain of stack frames up to the value decoding started from. The
// text of a path is only built when decoding fails, so success allocates nothing for it.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;   // the member name; empty for an array element and for the root
  std::size_t index = 0;  // the element's index, when key is empty and parent is set

  Path member(std::string_view name) const { return Path{this, name, 0}; }
  Path element(std::size_t i) const { return Path{this, {}, i}; }
};

void append_path(const Path& path, std::string& out) {
  if (path.parent == nullptr) return;
  append_path(*path.parent, out);
  if (path.key.empty()) {
    out += '[';
    out += std::to_string(path.index);
    out += ']';
  } else {
    if (!out.empty()) out += '.';
    out += path.key;
  }
}

[[noreturn]] void fail(const Path& path, std::string reason) {
  std::string text;
  append_path(path, text);
  throw DecodeError(std::move(text), std::move(reason));
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view clip_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

constexpr std::size_t kMaxQuoted = 40;
constexpr std::size_t kMaxParseMessage = 300;

// Server text goes into what() quoted and escaped, and short: a reason never carries a
// whole value, however large.
std::string quote(std::string_view s) {
  const std::string_view kept = clip_utf8(s, kMaxQuoted);
  std::string text(kept);
  if (kept.size() < s.size()) text += "...";
  return json(std::move(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return v.get<bool>() ? "the boolean true" : "the boolean false";
    case json::value_t::string:
      return "the string " + quote(*v.get_ptr<const std::string*>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "the number " + v.dump();
    case json::value_t::number_float:
      if (!std::isfinite(v.get<double>())) return "a non-finite number";
      return "the number " + v.dump();
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::binary:
      return "binary data";
    case json::value_t::discarded:
      break;
  }
  return "a discarded value";
}

[[noreturn]] void fail_expected(const Path& path, const char* expected, const json& got) {
  fail(path, std::string("expected ") + expected + ", got " + describe(got));
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Checks that `s` is a decimal number: an optional sign, digits with an optional fraction
// ("4", "4.5", ".5", "4."), an optional exponent. Hex, "inf" and "nan" are not numbers here.
// Drops a leading '+' from `s`, which std::from_chars does not take.
bool scan_number(std::string_view& s, bool& integral) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const auto skip_digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i - start;
  };
  std::size_t digits = skip_digits();
  integral = true;
  if (i < s.size() && s[i] == '.') {
    integral = false;
    ++i;
    digits += skip_digits();
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    integral = false;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (skip_digits() == 0) return false;
  }
  if (i != s.size()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  return true;
}

std::optional<double> to_double(std::string_view number) {
  double d = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), d);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return d;
}

std::optional<std::int64_t> truncate_to_int64(double d) {
  // Both bounds are exact doubles; every finite double in [-2^63, 2^63) truncates into range.
  if (!(d >= -0x1p63 && d < 0x1p63)) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

// `number` has passed scan_number; nullopt means int64 cannot hold it.
std::optional<std::int64_t> to_int64(std::string_view number, bool integral) {
  if (!integral) {
    const std::optional<double> d = to_double(number);
    if (!d) return std::nullopt;
    return truncate_to_int64(*d);
  }
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return n;
}

template <class J>
void read_string(J& v, std::string& out, const Path& path) {
  switch (v.type()) {
    case json::value_t::null:
      return;
    case json::value_t::string:
      // Moves when J is mutable, copies when it is const.
      out = std::move(*v.template get_ptr<Like<J, std::string>*>());
      return;
    case json::value_t::number_float:
      if (!std::isfinite(v.template get<double>())) break;
      out = v.dump();
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      out = v.dump();
      return;
    default:
      break;
  }
  fail_expected(path, "a string or a number", v);
}

void read_int(const json& v, std::int64_t& out, const Path& path) {
  switch (v.type()) {
    case json::value_t::null:
      return;
    case json::value_t::number_integer:
      out = *v.get_ptr<const json::number_integer_t*>();
      return;
    case json::value_t::number_unsigned: {
      const json::number_unsigned_t u = *v.get_ptr<const json::number_unsigned_t*>();
      if (u > static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
        fail_expected(path, "an integer in the int64 range", v);
      }
      out = static_cast<std::int64_t>(u);
      return;
    }
    case json::value_t::number_float: {
      const std::optional<std::int64_t> n = truncate_to_int64(v.get<double>());
      if (!n) fail_expected(path, "an integer in the int64 range", v);
      out = *n;
      return;
    }
    case json::value_t::string: {
      const std::string& s = *v.get_ptr<const std::string*>();
      if (s.empty()) return;
      std::string_view number = trim_spaces(s);
      bool integral = false;
      if (!scan_number(number, integral)) fail_expected(path, "an integer", v);
      const std::optional<std::int64_t> n = to_int64(number, integral);
      if (!n) fail_expected(path, "an integer in the int64 range", v);
      out = *n;
      return;
    }
    default:
      fail_expected(path, "an integer", v);
  }
}

void read_progress(const json& v, double& out, const Path& path) {
  switch (v.type()) {
    case json::value_t::null:
      return;
    case json::value_t::number_integer:
      out = static_cast<double>(*v.get_ptr<const json::number_integer_t*>());
      return;
    case json::value_t::number_unsigned:
      out = static_cast<double>(*v.get_ptr<const json::number_unsigned_t*>());
      return;
    case json::value_t::number_float:
      out = *v.get_ptr<const json::number_float_t*>();
      return;
    case json::value_t::string: {
      const std::string& s = *v.get_ptr<const std::string*>();
      if (s.empty()) return;
      std::string_view number = trim_spaces(s);
      if (!number.empty() && number.back() == '%') {
        number = trim_spaces(number.substr(0, number.size() - 1));
      }
      bool integral = false;
      if (!scan_number(number, integral)) fail_expected(path, "a number or a percentage", v);
      const std::optional<double> d = to_double(number);
      if (!d) fail_expected(path, "a number in the double range", v);
      out = *d;
      return;
    }
    default:
      fail_expected(path, "a number", v);
  }
}

// Raw values deeper than kMaxRawDepth are refused (the rule added with the SAX decoder:
// copying them would overflow the stack), checked without recursion.
template <class J>
void read_raw(J& v, json& out, const Path& path) {
  std::vector<std::pair<const json*, std::size_t>> pending{{&v, 1}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (!value->is_structured()) continue;
    if (depth > pixxel::internal::kMaxRawDepth) {
      std::string text;
      append_path(path, text);
      throw pixxel::DecodeError(std::move(text), pixxel::internal::too_deep_reason());
    }
    for (const json& child : *value) pending.emplace_back(&child, depth + 1);
  }
  out = std::move(v);  // moves when J is mutable, copies when it is const
}

template <class J>
void read_strings(J& v, std::vector<std::string>& out, const Path& path) {
  if (v.is_null()) return;
  auto* array = v.template get_ptr<Like<J, json::array_t>*>();
  if (array == nullptr) fail_expected(path, "an array", v);
  out.reserve(array->size());
  std::size_t i = 0;
  for (auto& element : *array) {
    const Path element_path = path.element(i++);
    if (element.is_null()) fail_expected(element_path, "a string or a number", element);
    read_string(element, out.emplace_back(), element_path);
  }
}

// A DownloadLink while it is read: the job answer spells the workflow id `workflowId`.
struct DownloadLinkDraft {
  DownloadLink link;
  std::string camel_workflow_id;
};

template <class J>
void read_member(std::string_view key, J& v, BlockInfo& out, const Path& path) {
  if (key == "id") {
    read_string(v, out.id, path);
  } else if (key == "name") {
    read_string(v, out.name, path);
  } else if (key == "version") {
    read_string(v, out.version, path);
  }
}

template <class J>
void read_member(std::string_view key, J& v, ValError& out, const Path& path) {
  if (key == "from") {
    read_string(v, out.from, path);
  } else if (key == "to") {
    read_string(v, out.to, path);
  } else if (key == "err") {
    read_string(v, out.err, path);
  } else if (key == "reason") {
    read_string(v, out.reason, path);
  } else if (key == "component_name") {
    read_string(v, out.component_name, path);
  }
}

template <class J, class T>
void read_object(J& v, T& out, const Path& path) {
  auto* object = v.template get_ptr<Like<J, json::object_t>*>();
  if (object == nullptr) fail_expected(path, "an object", v);
  for (auto& [key, value] : *object) read_member(key, value, out, path.member(key));
}

template <class J, class T>
void read_objects(J& v, std::vector<T>& out, const Path& path) {
  if (v.is_null()) return;
  auto* array = v.template get_ptr<Like<J, json::array_t>*>();
  if (array == nullptr) fail_expected(path, "an array", v);
  out.reserve(array->size());
  std::size_t i = 0;
  for (auto& element : *array) read_object(element, out.emplace_back(), path.element(i++));
}

template <class J>
void read_member(std::string_view key, J& v, Task& out, const Path& path) {
  if (key == "id") {
    read_string(v, out.id, path);
  } else if (key == "info_logs") {
    read_raw(v, out.info_logs, path);
  } else if (key == "created_at") {
    read_string(v, out.created_at, path);
  } else if (key == "updated_at") {
    read_string(v, out.updated_at, path);
  } else if (key == "finished_at") {
    read_string(v, out.finished_at, path);
  } else if (key == "estimated_time_duration") {
    read_int(v, out.estimated_time_duration, path);
  } else if (key == "time_taken") {
    read_string(v, out.time_taken, path);
  } else if (key == "status") {
    read_string(v, out.status, path);
  } else if (key == "state_msg") {
    read_string(v, out.state_msg, path);
  } else if (key == "inputs") {
    read_raw(v, out.inputs, path);
  } else if (key == "result") {
    read_raw(v, out.result, path);
  } else if (key == "depends_on") {
    read_strings(v, out.depends_on, path);
  } else if (key == "name") {
    read_string(v, out.name, path);
  } else if (key == "progress") {
    read_progress(v, out.progress, path);
  } else if (key == "disclaimer") {
    read_strings(v, out.disclaimer, path);
  } else if (key == "recv_time") {
    read_string(v, out.recv_time, path);
  } else if (key == "send_time") {
    read_string(v, out.send_time, path);
  } else if (key == "block_inf_start_time") {
    read_string(v, out.block_inf_start_time, path);
  } else if (key == "block_inf_end_time") {
    read_string(v, out.block_inf_end_time, path);
  } else if (key == "block_info") {
    if (!v.is_null()) read_object(v, out.block_info, path);
  } else if (key == "err_msg") {
    read_string(v, out.err_msg, path);
  } else if (key == "failure_type") {
    read_string(v, out.failure_type, path);
  }
}

template <class J>
void read_member(std::string_view key, J& v, Job& out, const Path& path) {
  if (key == "created_by") {
    read_string(v, out.created_by, path);
  } else if (key == "status") {
    read_string(v, out.status, path);
  } else if (key == "time_taken") {
    read_string(v, out.time_taken, path);
  } else if (key == "id") {
    read_string(v, out.id, path);
  } else if (key == "tasks") {
    read_objects(v, out.tasks, path);
  } else if (key == "val_errors") {
    read_objects(v, out.val_errors, path);
  } else if (key == "spec") {
    read_raw(v, out.spec, path);
  } else if (key == "cost") {
    read_int(v, out.cost, path);
  } else if (key == "workflow_id") {
    read_string(v, out.workflow_id, path);
  } else if (key == "updated_at") {
    read_string(v, out.updated_at, path);
  } else if (key == "finished_at") {
    read_string(v, out.finished_at, path);
  } else if (key == "exec_created_at") {
    read_string(v, out.exec_created_at, path);
  } else if (key == "exec_updated_at") {
    read_string(v, out.exec_updated_at, path);
  } else if (key == "created_at") {
    read_string(v, out.created_at, path);
  } else if (key == "estimated_duration") {
    read_int(v, out.estimated_duration, path);
  } else if (key == "progress") {
    read_string(v, out.progress, path);
  }
}

template <class J>
void read_member(std::string_view key, J& v, DownloadLinkDraft& out, const Path& path) {
  if (key == "id") {
    read_string(v, out.link.id, path);
  } else if (key == "status") {
    read_string(v, out.link.status, path);
  } else if (key == "signed_url") {
    read_string(v, out.link.signed_url, path);
  } else if (key == "workflow_id") {
    read_string(v, out.link.workflow_id, path);
  } else if (key == "workflowId") {
    read_string(v, out.camel_workflow_id, path);
  } else if (key == "job_id") {
    read_string(v, out.link.job_id, path);
  }
}

// Decodes into a fresh value, so members absent from `v` get their defaults and a failure
// leaves the caller's value untouched.
template <class T, class J>
T decode(J& v, const Path& path) {
  T out;
  read_object(v, out, path);
  return out;
}

template <class J>
DownloadLink decode_link(J& v, const Path& path) {
  DownloadLinkDraft draft;
  read_object(v, draft, path);
  if (draft.link.workflow_id.empty()) draft.link.workflow_id = std::move(draft.camel_workflow_id);
  return std::move(draft.link);
}

// The public adapters promise DecodeError and nothing else; nlohmann throws its own
// exceptions on misuse, so none may cross this boundary.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const json::exception& e) {
    throw DecodeError("", std::string(clip_utf8(e.what(), kMaxParseMessage)));
  }
}

json parse_body(std::string_view body) {
  try {
    return json::parse(body.begin(), body.end());
  } catch (const json::exception& e) {
    throw DecodeError("", "not valid JSON: " + std::string(clip_utf8(e.what(), kMaxParseMessage)));
  }
}

}  // namespace

Job decode_job(std::string_view body) {
  json document = parse_body(body);
  return guarded([&] { return decode<Job>(document, Path{}); });
}

DownloadLink decode_download_link(std::string_view body) {
  json document = parse_body(body);
  return guarded([&] { return decode_link(document, Path{}); });
}

std::vector<Job> decode_job_list(std::string_view body) {
  json document = parse_body(body);
  return guarded([&] {
    const Path root;
    auto* object = document.get_ptr<json::object_t*>();
    if (object == nullptr) fail_expected(root, "an object", document);
    std::vector<Job> jobs;
    const auto it = object->find("jobs");
    if (it != object->end()) read_objects(it->second, jobs, root.member("jobs"));
    return jobs;
  });
}

// The same through the public adapters, which copy rather than move (so not for values
// nested deeper than the stack allows a recursive copy).
Job adapter_decode_job(std::string_view body) { return parse_body(body).get<Job>(); }

DownloadLink adapter_decode_download_link(std::string_view body) {
  return parse_body(body).get<DownloadLink>();
}

std::vector<Job> adapter_decode_job_list(std::string_view body) {
  const json document = parse_body(body);
  const Path root;
  if (!document.is_object()) fail_expected(root, "an object", document);
  std::vector<Job> jobs;
  const auto it = document.find("jobs");
  if (it == document.end() || it->is_null()) return jobs;
  if (!it->is_array()) fail_expected(root.member("jobs"), "an array", *it);
  for (std::size_t i = 0; i < it->size(); ++i) {
    try {
      jobs.push_back((*it)[i].get<Job>());
    } catch (const DecodeError& e) {
      const std::string element = "jobs[" + std::to_string(i) + "]";
      throw DecodeError(e.path().empty() ? element : element + "." + e.path(), e.reason());
    }
  }
  return jobs;
}

}  // namespace pixxel::dom_oracle

namespace {

using nlohmann::json;
using pixxel::DownloadLink;
using pixxel::Job;
namespace oracle = pixxel::dom_oracle;

// The example response of "Create a job from a given workflow" (shared/api/create-job.txt).
constexpr const char* kDocumentedExample =
    R"({"created_by": "string","status": "string","time_taken": "string","id": "string","tasks": [{"id": "string","info_logs": [0],"created_at": "string","updated_at": "string","finished_at": "string","estimated_time_duration": 0,"time_taken": "string","status": "string","state_msg": "string","inputs": [0],"result": [0],"depends_on": ["string"],"name": "string","progress": 0,"disclaimer": ["string"],"recv_time": "string","send_time": "string","block_inf_start_time": "string","block_inf_end_time": "string","block_info": {"id": "string","name": "string","version": "string"},"err_msg": "string","failure_type": "string"}],"val_errors": [{"from": "string","to": "string","err": "string","reason": "string","component_name": "string"}],"spec": [0],"cost": 0,"workflow_id": "string","updated_at": "string","finished_at": "string","exec_created_at": "string","exec_updated_at": "string","created_at": "string","estimated_duration": 0,"progress": "string"})";

// A job whose every field holds a value of its own (as in models_test.cpp).
constexpr const char* kDistinctJob = R"({
  "created_by": "user-1", "status": "running", "time_taken": "1m2s", "id": "job-1",
  "tasks": [{
    "id": "task-1", "info_logs": "aGVsbG8=", "created_at": "2024-01-01T00:00:01Z",
    "updated_at": "2024-01-01T00:00:02Z", "finished_at": "2024-01-01T00:00:03Z",
    "estimated_time_duration": 120, "time_taken": "5s", "status": "completed",
    "state_msg": "done", "inputs": {"aoi": [1, 2]}, "result": [104, 105],
    "depends_on": ["task-0", "task-00"], "name": "ingest", "progress": 45.5,
    "disclaimer": ["beta"], "recv_time": "r-time", "send_time": "s-time",
    "block_inf_start_time": "bis-time", "block_inf_end_time": "bie-time",
    "block_info": {"id": "block-1", "name": "Ingest", "version": "1.2.3"},
    "err_msg": "no error", "failure_type": "transient"
  }],
  "val_errors": [{"from": "comp-a", "to": "comp-b", "err": "mismatch", "reason": "types differ",
                  "component_name": "comp-c"}],
  "spec": [1, 2, 3], "cost": 17, "workflow_id": "wf-1",
  "updated_at": "2024-01-02T00:00:00Z", "finished_at": "2024-01-03T00:00:00Z",
  "exec_created_at": "2024-01-04T00:00:00Z", "exec_updated_at": "2024-01-05T00:00:00Z",
  "created_at": "2024-01-06T00:00:00Z", "estimated_duration": 3600, "progress": "45%"
})";

const std::vector<std::string> kJobKeys = {"created_by",
                                           "status",
                                           "time_taken",
                                           "id",
                                           "tasks",
                                           "val_errors",
                                           "spec",
                                           "cost",
                                           "workflow_id",
                                           "updated_at",
                                           "finished_at",
                                           "exec_created_at",
                                           "exec_updated_at",
                                           "created_at",
                                           "estimated_duration",
                                           "progress"};
const std::vector<std::string> kTaskKeys = {"id",
                                            "info_logs",
                                            "created_at",
                                            "updated_at",
                                            "finished_at",
                                            "estimated_time_duration",
                                            "time_taken",
                                            "status",
                                            "state_msg",
                                            "inputs",
                                            "result",
                                            "depends_on",
                                            "name",
                                            "progress",
                                            "disclaimer",
                                            "recv_time",
                                            "send_time",
                                            "block_inf_start_time",
                                            "block_inf_end_time",
                                            "block_info",
                                            "err_msg",
                                            "failure_type"};
const std::vector<std::string> kValErrorKeys = {"from", "to", "err", "reason", "component_name"};
const std::vector<std::string> kBlockInfoKeys = {"id", "name", "version"};
const std::vector<std::string> kLinkKeys = {"id",          "status",     "signed_url",
                                            "workflow_id", "workflowId", "job_id"};

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string text;
  text.reserve(depth * 6 + 2);
  for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
  text += "{}";
  text += std::string(depth, '}');
  return text;
}

// The deepest nesting of `text`, brackets inside strings aside.
std::size_t nesting_depth(std::string_view text) {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// --- Comparing without recursion ------------------------------------------------------------

// Whether a and b are the same JSON, the kinds of numbers included. Iterative: json's
// operator== recurses, and the corpus nests values 100,000 deep.
bool same_json(const json& a, const json& b) {
  std::vector<std::pair<const json*, const json*>> todo = {{&a, &b}};
  while (!todo.empty()) {
    const auto [x, y] = todo.back();
    todo.pop_back();
    if (x->type() != y->type()) return false;
    if (x->is_array()) {
      if (x->size() != y->size()) return false;
      for (std::size_t i = 0; i < x->size(); ++i) todo.emplace_back(&(*x)[i], &(*y)[i]);
    } else if (x->is_object()) {
      if (x->size() != y->size()) return false;
      auto ix = x->items().begin();
      auto iy = y->items().begin();
      for (; ix != x->items().end(); ++ix, ++iy) {
        if (ix.key() != iy.key()) return false;
        todo.emplace_back(&ix.value(), &iy.value());
      }
    } else if (*x != *y) {
      return false;
    }
  }
  return true;
}

// A Job with its raw members taken out: the rest compares with operator==, the raw values
// with same_json.
struct SplitJob {
  Job rest;
  std::vector<json> raw;
};

SplitJob split(Job&& job) {
  SplitJob out;
  const auto take = [&](json& value) {
    out.raw.push_back(std::move(value));
    value = nullptr;
  };
  take(job.spec);
  for (pixxel::Task& task : job.tasks) {
    take(task.info_logs);
    take(task.inputs);
    take(task.result);
  }
  out.rest = std::move(job);
  return out;
}

SplitJob comparable(Job&& job) { return split(std::move(job)); }

std::vector<SplitJob> comparable(std::vector<Job>&& jobs) {
  std::vector<SplitJob> out;
  for (Job& job : jobs) out.push_back(split(std::move(job)));
  return out;
}

DownloadLink comparable(DownloadLink&& link) { return std::move(link); }

bool same(const SplitJob& a, const SplitJob& b) {
  if (a.raw.size() != b.raw.size() || a.rest != b.rest) return false;
  for (std::size_t i = 0; i < a.raw.size(); ++i) {
    if (!same_json(a.raw[i], b.raw[i])) return false;
  }
  return true;
}

bool same(const std::vector<SplitJob>& a, const std::vector<SplitJob>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}

bool same(const DownloadLink& a, const DownloadLink& b) { return a == b; }

std::string text_of(const SplitJob& job) { return json(job.rest).dump(); }
std::string text_of(const std::vector<SplitJob>& jobs) {
  std::string text = std::to_string(jobs.size()) + " jobs";
  for (const SplitJob& job : jobs) text += " " + text_of(job);
  return text;
}
std::string text_of(const DownloadLink& link) { return json(link).dump(); }

std::string excerpt(std::string_view text, std::size_t max = 300) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "... (" + std::to_string(text.size()) + " bytes)";
}

// --- Running the decoders -------------------------------------------------------------------

template <class V>
struct Outcome {
  std::optional<V> value;
  std::optional<std::pair<std::string, std::string>> error;  // path, reason
  std::string unexpected;  // any exception but DecodeError, which always fails the check
};

template <class F>
auto run(F&& decode) {
  using V = decltype(comparable(decode()));
  Outcome<V> outcome;
  try {
    outcome.value = comparable(decode());
  } catch (const pixxel::DecodeError& e) {
    outcome.error.emplace(e.path(), e.reason());
  } catch (const std::exception& e) {
    outcome.unexpected = e.what();
    if (outcome.unexpected.empty()) outcome.unexpected = "(empty what())";
  }
  return outcome;
}

template <class V>
bool same(const Outcome<V>& a, const Outcome<V>& b) {
  if (!a.unexpected.empty() || !b.unexpected.empty()) return false;
  if (a.value.has_value() != b.value.has_value()) return false;
  if (a.value) return same(*a.value, *b.value);
  return a.error == b.error;
}

template <class V>
std::string describe(const Outcome<V>& outcome) {
  if (!outcome.unexpected.empty()) return "unexpected exception: " + outcome.unexpected;
  if (outcome.error) {
    return "DecodeError at `" + outcome.error->first + "`: " + outcome.error->second;
  }
  return "value " + excerpt(text_of(*outcome.value), 600);
}

struct Tally {
  std::size_t bodies = 0;
  std::size_t comparisons = 0;
  std::size_t values = 0;
  std::size_t decode_errors = 0;  // DecodeError for a JSON body
  std::size_t not_json = 0;       // DecodeError "not valid JSON: ..."
  std::size_t mismatches = 0;
};

// Runs each body through decode_job, decode_job_list and decode_download_link: the SAX
// decoders against the oracle, and the adapters against the oracle too.
class Differential {
 public:
  enum Decoders : unsigned { kJob = 1, kJobList = 2, kDownloadLink = 4, kAll = 7 };

  void check(const std::string& label, const std::string& body, unsigned decoders = kAll) {
    ++tally_.bodies;
    // Copying a value this deep recursively would overflow the stack; the adapters copy.
    const bool with_adapters = nesting_depth(body) <= 200;
    if (decoders & kJob) {
      compare("decode_job", label, body, run([&] { return pixxel::internal::decode_job(body); }),
              run([&] { return oracle::decode_job(body); }), with_adapters,
              [&] { return run([&] { return oracle::adapter_decode_job(body); }); });
    }
    if (decoders & kJobList) {
      compare("decode_job_list", label, body,
              run([&] { return pixxel::internal::decode_job_list(body); }),
              run([&] { return oracle::decode_job_list(body); }), with_adapters,
              [&] { return run([&] { return oracle::adapter_decode_job_list(body); }); });
    }
    if (decoders & kDownloadLink) {
      compare("decode_download_link", label, body,
              run([&] { return pixxel::internal::decode_download_link(body); }),
              run([&] { return oracle::decode_download_link(body); }), with_adapters,
              [&] { return run([&] { return oracle::adapter_decode_download_link(body); }); });
    }
  }

  const Tally& tally() const { return tally_; }

  void report(const char* corpus) const {
    std::printf(
        "[ corpus   ] %s: %zu bodies, %zu comparisons: %zu values, %zu decode errors, %zu not "
        "JSON; %zu mismatches\n",
        corpus, tally_.bodies, tally_.comparisons, tally_.values, tally_.decode_errors,
        tally_.not_json, tally_.mismatches);
    EXPECT_EQ(tally_.mismatches, 0u);
  }

 private:
  template <class V, class Adapter>
  void compare(const char* decoder, const std::string& label, const std::string& body,
               const Outcome<V>& sax, const Outcome<V>& dom, bool with_adapters,
               Adapter&& adapter) {
    ++tally_.comparisons;
    if (dom.value) {
      ++tally_.values;
    } else if (dom.error && dom.error->second.rfind("not valid JSON: ", 0) == 0) {
      ++tally_.not_json;
    } else if (dom.error) {
      ++tally_.decode_errors;
    }
    if (!same(sax, dom)) mismatch(decoder, "SAX", label, body, sax, dom);
    if (with_adapters) {
      const Outcome<V> adapted = adapter();
      if (!same(adapted, dom)) mismatch(decoder, "from_json", label, body, adapted, dom);
    }
  }

  template <class V>
  void mismatch(const char* decoder, const char* which, const std::string& label,
                const std::string& body, const Outcome<V>& got, const Outcome<V>& dom) {
    // A broken rule would fail thousands of bodies; the first few say enough.
    if (++tally_.mismatches > 20) return;
    ADD_FAILURE() << decoder << " (" << which << ") differs from the DOM decoder on " << label
                  << "\n  body: " << excerpt(body) << "\n  " << which << ": " << describe(got)
                  << "\n  DOM: " << describe(dom);
  }

  Tally tally_;
};

// --- The corpus -----------------------------------------------------------------------------

// Every kind of value a member may receive: each lenient form, each error case of
// models_test, numbers at every boundary, strings that are numbers or not, containers.
std::vector<std::string> value_palette() {
  std::vector<std::string> values = {"null",
                                     "true",
                                     "false",
                                     "0",
                                     "-0",
                                     "42",
                                     "-7",
                                     "3",
                                     "255",
                                     "256",
                                     "18446744073709551615",
                                     "9223372036854775807",
                                     "9223372036854775808",
                                     "-9223372036854775808",
                                     "-9223372036854775809",
                                     "123456789012345678901234567890",
                                     "1.50",
                                     "1.5e0",
                                     "2.9",
                                     "-2.9",
                                     "1e3",
                                     "1E2",
                                     "-0.0",
                                     "0.1",
                                     "0.30000000000000004",
                                     "45.25",
                                     "100.5",
                                     "1e300",
                                     "-1e300",
                                     "9223372036854775808.0",
                                     "-9223372036854777856.0",
                                     "-9223372036854775808.0",
                                     "1e-320",
                                     "1.7976931348623157e308",
                                     "5e-324",
                                     R"("")",
                                     R"(" ")",
                                     R"("42")",
                                     R"(" 42 ")",
                                     R"("42.9")",
                                     R"("-3")",
                                     R"("1e3")",
                                     R"("+5")",
                                     R"("-2.9")",
                                     R"(".5")",
                                     R"("5.")",
                                     R"("007")",
                                     R"("-0")",
                                     R"("1E2")",
                                     R"("2.5e1")",
                                     R"("9223372036854775807")",
                                     R"("-9223372036854775808")",
                                     R"("9223372036854775808")",
                                     R"("-9223372036854775809")",
                                     R"("1e19")",
                                     R"("1e400")",
                                     R"("abc")",
                                     R"("45")",
                                     R"("45.5")",
                                     R"("45%")",
                                     R"("45.5%")",
                                     R"(" 45% ")",
                                     R"("45 %")",
                                     R"("150%")",
                                     R"("+7")",
                                     R"("1e1")",
                                     R"("%")",
                                     R"("45%%")",
                                     R"("%45")",
                                     R"("45 percent")",
                                     R"("nan")",
                                     R"("inf")",
                                     R"("0x10")",
                                     R"("-")",
                                     R"(".")",
                                     R"("1e")",
                                     R"("1e+")",
                                     R"("\t42")",
                                     R"("42\n")",
                                     R"("4 2")",
                                     R"("--1")",
                                     R"("+-1")",
                                     R"("1,000")",
                                     R"("e3")",
                                     R"("4\n2")",
                                     R"("aGVsbG8=")",
                                     R"("st\u0061tus")",
                                     R"("\u00e9\ud83d\ude00")",
                                     R"("task-0")",
                                     R"("\u0000")",
                                     R"([])",
                                     R"([1, 2, 3])",
                                     R"([0, 255, 256, -1])",
                                     R"(["a", 2, 1.5])",
                                     R"([null])",
                                     R"(["a", true])",
                                     R"(["a", "b", {"id": "c"}])",
                                     R"([{}])",
                                     R"([[]])",
                                     R"([{}, {}, {}, 3])",
                                     R"([{}, {"progress": "lots"}])",
                                     R"({})",
                                     R"({"a": 1})",
                                     R"({"x": 1, "x": [2]})",
                                     R"({"k": [1, {"v": null}], "id": "x"})",
                                     R"({"id": "i", "name": "n", "version": "v"})",
                                     R"({"progress": {"x": 1}})",
                                     R"([{"progress": "most"}])",
                                     R"({"id": 5, "id": "five"})"};
  values.push_back("\"" + std::string(100, 'x') + "\"");   // more than a reason quotes
  values.push_back("\"" + std::string(3000, 'y') + "\"");  // long enough to be taken, not copied
  std::string accents = "\"a";
  for (int i = 0; i < 30; ++i) accents += "\xC3\xA9";  // the 20th straddles the 40-byte cut
  values.push_back(accents + "\"");
  values.push_back(nested_arrays(50));
  values.push_back(nested_objects(50));
  return values;
}

// Bodies with one hole, `@`, for a value: every member of every model, array elements, the
// root, members next to another error, and duplicates of a key before and after.
std::vector<std::string> value_positions() {
  std::vector<std::string> positions = {"@"};
  const auto add = [&](const std::string& before, const std::vector<std::string>& keys,
                       const std::string& after) {
    for (const std::string& key : keys) positions.push_back(before + "\"" + key + "\": @" + after);
  };
  std::vector<std::string> job_keys = kJobKeys;
  job_keys.push_back("surprise");
  add("{", job_keys, "}");
  std::vector<std::string> task_keys = kTaskKeys;
  task_keys.push_back("extra");
  add(R"({"tasks": [{}, {)", task_keys, "}]}");
  add(R"({"val_errors": [{)", kValErrorKeys, "}]}");
  add(R"({"tasks": [{"block_info": {)", kBlockInfoKeys, "}}]}");
  add("{", kLinkKeys, "}");
  add(R"({"workflow_id": "wf", )", {"workflowId"}, "}");
  add(R"({"workflowId": "camel", )", {"workflow_id"}, "}");
  add("{", {"jobs"}, "}");
  const std::vector<std::string> more = {
      R"({"jobs": [@]})",
      R"({"jobs": [{}, {"tasks": [{"progress": @}]}]})",
      R"({"jobs": [{"cost": @}], "next": @})",
      R"({"tasks": [{"depends_on": ["a", @]}]})",
      R"({"tasks": [{"disclaimer": [@, "b"]}]})",
      R"({"tasks": [{}, @]})",
      R"({"val_errors": [@, {}]})",
      R"({"status": @, "cost": "x"})",
      R"({"tasks": [{"progress": @}], "cost": "bad"})",
      R"({"tasks": [{"progress": @}], "val_errors": [1]})",
      R"({"cost": @, "cost": 5})",
      R"({"cost": 5, "cost": @})",
      R"({"tasks": @, "tasks": [{"id": "t"}]})",
      R"({"tasks": [{"id": "t"}], "tasks": @})",
      R"({"tasks": [{"progress": @, "progress": "7%"}]})",
      R"({"tasks": [{"block_info": @, "block_info": {"id": "b"}}]})",
      R"({"spec": @, "spec": [1]})",
      R"({"spec": [1], "spec": @})",
      R"({"id": @, "surprise": @, "spec": @})",
      R"({"surprise": {"status": @}, "status": "s"})",
  };
  positions.insert(positions.end(), more.begin(), more.end());
  return positions;
}

std::string fill(const std::string& position, const std::string& value) {
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

// Bodies where several members fail, or a duplicate key withdraws a failure or a value: the
// DOM decoder reports the failing member with the least key, per object, and the first
// failing element, per array; a DOM object keeps a duplicate key's last value.
const std::vector<std::string> kPrecedenceBodies = {
    R"({"status": true, "cost": "x"})",
    R"({"cost": "x", "status": true})",
    R"({"workflow_id": [], "created_by": {}})",
    R"({"tasks": [{"name": {}}, {"progress": "x"}], "cost": "y"})",
    R"({"val_errors": [1], "tasks": [2]})",
    R"({"tasks": [{"status": [], "block_info": {"id": {}}}]})",
    R"({"tasks": [{"status": [], "block_info": {"version": [], "id": {}}}]})",
    R"({"tasks": [{"block_info": {"version": []}, "block_info": null}]})",
    R"({"tasks": [{"block_info": {"version": []}, "block_info": {"id": "x"}}]})",
    R"({"tasks": [{"block_info": {"version": [], "version": "1"}}]})",
    R"({"cost": "x", "cost": 1})",
    R"({"cost": 1, "cost": "x"})",
    R"({"cost": "x", "cost": null})",
    R"({"cost": 7, "cost": null})",
    R"({"cost": 7, "cost": ""})",
    R"({"tasks": [{"progress": "x"}], "tasks": []})",
    R"({"tasks": [], "tasks": [{"progress": "x"}]})",
    R"({"tasks": [{"progress": "x"}], "tasks": null})",
    R"({"tasks": [{"id": "a"}, {"id": "b"}], "tasks": [{"id": "c"}]})",
    R"({"tasks": [{"progress": "x"}, {"progress": "y"}]})",
    R"({"tasks": [{"progress": "x", "progress": 1}, {"progress": "y"}]})",
    R"({"tasks": [{"progress": 1, "progress": "x"}, {"progress": "y"}]})",
    R"({"tasks": [{"depends_on": [null, 1]}], "val_errors": [{"from": []}]})",
    R"({"tasks": [{"depends_on": ["a"], "depends_on": ["b", "c"]}]})",
    R"({"tasks": [{"depends_on": [null], "depends_on": ["b"]}]})",
    R"({"id": "a", "id": "b", "id": 3})",
    R"({"spec": {"a": 1, "a": 2, "b": [1, {"c": 1, "c": [2]}]}})",
    R"({"spec": [1], "spec": "x"})",
    R"({"spec": {"a": {"x": 1}, "a": {"y": 2}}})",
    R"({"tasks": [{"inputs": {"k": 1}, "inputs": [1, 2]}]})",
    R"({"workflowId": [1], "workflow_id": "wf"})",
    R"({"workflowId": [1], "workflowId": "w"})",
    R"({"workflow_id": "", "workflowId": "w"})",
    R"({"workflow_id": null, "workflowId": "w"})",
    R"({"workflow_id": "s", "workflowId": "w"})",
    R"({"workflow_id": 0, "workflowId": "camel"})",
    R"({"workflowId": "w", "workflow_id": ""})",
    R"({"workflowId": "w", "workflow_id": "s", "workflow_id": ""})",
    R"({"jobs": [{}, "j"]})",
    R"({"jobs": [{}], "jobs": {}})",
    R"({"jobs": {}, "jobs": [{}]})",
    R"({"jobs": [{}, {}, {"tasks": [{"progress": "most"}]}]})",
    R"({"jobs": [{"cost": "x"}, {"cost": "y"}], "next": "ignored"})",
    R"({"a": 1, "jobs": [{"id": "j"}], "z": {"deep": [[[]]]}})",
    R"({"tasks": [{}, {}, {}, {"progress": {"x": 1}}]})",
    R"({"": 1, "status": "s"})",
    R"({"status": "a", "stat\u0075s": "b"})",
    R"({"tasks": [{"id": "t", "tasks": [1]}]})",
    R"({"tasks": [{"block_info": {"id": "b", "block_info": []}}]})",
    R"({"jobs": [{"jobs": [1]}]})"};

// Bodies the parser rejects, some after values that would fail to decode: a syntax error
// anywhere takes precedence.
std::vector<std::string> syntax_error_bodies() {
  std::vector<std::string> bodies = {"",
                                     " ",
                                     "{",
                                     "}",
                                     "[",
                                     "not json",
                                     R"({"id": })",
                                     "{} {}",
                                     "{}}",
                                     "<html>",
                                     R"({"cost": 1e500})",
                                     R"({"cost": -1e500})",
                                     R"({"spec": [1e999]})",
                                     R"({"tasks": [{"progress": "x"}]} x)",
                                     R"({"tasks": [{"progress": "x"}])",
                                     R"({"status": true,})",
                                     R"({"status": "\ud800"})",
                                     R"({"status": "\uDC00\uD800"})",
                                     "{\"status\": \"a\x01b\"}",
                                     "{\"status\": \"\xFF\"}",
                                     "{\"status\": \"\xC3\"}",
                                     R"({"status": 'x'})",
                                     R"({"a": 01})",
                                     R"({"a": 1.})",
                                     R"({"a": .5})",
                                     R"({"a": +1})",
                                     R"({"a": NaN})",
                                     R"({"a": Infinity})",
                                     R"({"a": tru})",
                                     R"({"a": nul})",
                                     R"({"a" 1})",
                                     R"({a: 1})",
                                     R"({"a": 1 "b": 2})",
                                     "[1, 2",
                                     "{\"a\":1}/**/",
                                     "{\"a\":1}//",
                                     "\"unterminated",
                                     R"({"status": "\x"})",
                                     R"({"status": "\u12"})",
                                     "\xEF\xBB\xBF{}",
                                     "{}\n",
                                     " \t\r\n{} ",
                                     "{\"spec\": [1, 2,]}",
                                     "[1] [2]",
                                     R"({"cost": "x"} {"cost": "y"})",
                                     "{\"cost\": \"x\"}\x00",
                                     std::string("{}\0", 3)};
  // nlohmann's message quotes the last token read, so a long bad string gives a long message,
  // which the reason clips without splitting a UTF-8 sequence.
  bodies.push_back("{\"status\": \"" + std::string(1000, 'z') + "\x01\"}");
  std::string accents = "{\"status\": \"";
  for (int i = 0; i < 400; ++i) accents += "\xC3\xA9";
  bodies.push_back(accents + "\x02\"}");
  std::string spaced = "{\"status\": \"";
  for (int i = 0; i < 400; ++i) spaced += i % 3 == 0 ? "\xE2\x82\xAC" : "ab";
  bodies.push_back(spaced + "\x02\"}");
  return bodies;
}

// Values nested 100,000 deep wherever they can go: in an unknown key (skipped), a raw member
// (kept), where a model or a scalar belongs (an error), as the body, and unclosed.
std::vector<std::string> deep_bodies() {
  constexpr std::size_t kDepth = 100000;
  const std::string arrays = nested_arrays(kDepth);
  const std::string objects = nested_objects(kDepth);
  std::vector<std::string> bodies;
  for (const char* position :
       {R"({"surprise": @, "id": "j"})", R"({"spec": @})",
        R"({"tasks": [{"inputs": @, "result": [@], "info_logs": {"k": @}}]})", R"({"status": @})",
        R"({"tasks": @})", R"({"tasks": [@]})", R"({"tasks": [{"depends_on": @}]})",
        R"({"tasks": [{"depends_on": [@]}]})", R"({"tasks": [{"block_info": @}]})",
        R"({"jobs": [@]})", R"({"jobs": [{"spec": @}, {"surprise": @}]})",
        R"({"spec": @, "cost": "x"})", R"({"spec": @, "spec": 1})",
        R"({"workflowId": @, "workflow_id": "w"})", "@", "[@]"}) {
    bodies.push_back(fill(position, arrays));
  }
  // Objects cost the DOM decoder far more than arrays; a few positions show they work alike.
  for (const char* position : {R"({"surprise": @})", R"({"spec": @})", R"({"status": @})", "@"}) {
    bodies.push_back(fill(position, objects));
  }
  bodies.push_back(R"({"spec": )" + std::string(kDepth, '['));
  bodies.push_back(R"({"surprise": )" + std::string(kDepth, '[') + "}");
  bodies.push_back(R"({"spec": )" + arrays + R"(, "cost": "x")");
  return bodies;
}

// --- Pseudo-random bodies -------------------------------------------------------------------

enum class Level { job, task, val_error, block_info, link, list };

// Deterministic across platforms: std::mt19937_64's output is fixed by the standard, and
// values are drawn with a modulo rather than a library distribution.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed), palette_(value_palette()) {}

  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  bool percent(std::size_t p) { return below(100) < p; }

  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  std::string space() {
    switch (below(8)) {
      case 0:
        return " ";
      case 1:
        return "\n  ";
      default:
        return "";
    }
  }

  std::string any_value(int depth) {
    const std::size_t kind = below(depth > 2 ? 6 : 9);
    switch (kind) {
      case 0:
        return "null";
      case 1:
        return percent(50) ? "true" : "false";
      case 2:
        return integer();
      case 3:
        return floating();
      case 4:
        return string_value();
      case 5:
        return pick(palette_);
      case 6: {
        std::string text = "[" + space();
        const std::size_t n = below(4);
        for (std::size_t i = 0; i < n; ++i) {
          if (i) text += "," + space();
          text += any_value(depth + 1);
        }
        return text + "]";
      }
      case 7:
        return model(static_cast<Level>(below(4)), depth + 1);
      default: {
        std::string text = "{";
        const std::size_t n = below(4);
        for (std::size_t i = 0; i < n; ++i) {
          if (i) text += ",";
          text += "\"" + pick(kTaskKeys) + "\":" + space() + any_value(depth + 1);
        }
        return text + "}";
      }
    }
  }

  std::string integer() {
    static const std::vector<std::string> kIntegers = {"0",
                                                       "1",
                                                       "-1",
                                                       "42",
                                                       "255",
                                                       "256",
                                                       "3600",
                                                       "-9223372036854775808",
                                                       "9223372036854775807",
                                                       "9223372036854775808",
                                                       "18446744073709551615",
                                                       "-0"};
    if (percent(50)) return std::to_string(static_cast<std::int64_t>(rng_() % 2000001) - 1000000);
    return pick(kIntegers);
  }

  std::string floating() {
    static const std::vector<std::string> kFloats = {"1.5",
                                                     "1.50",
                                                     "-2.9",
                                                     "1e3",
                                                     "0.1",
                                                     "45.5",
                                                     "1e300",
                                                     "-1e300",
                                                     "9.3e18",
                                                     "-0.0",
                                                     "1E-2",
                                                     "100.0",
                                                     "3.14159265358979323846"};
    if (percent(50)) {
      return std::to_string(static_cast<double>(rng_() % 100000) / 7.0 - 5000.0);
    }
    return pick(kFloats);
  }

  std::string string_value() {
    static const std::vector<std::string> kStrings = {R"("")",
                                                      R"("running")",
                                                      R"("completed")",
                                                      R"("2024-01-01T00:00:01Z")",
                                                      R"("2024-05-01T12:00:00.123456+05:30")",
                                                      R"("job-1")",
                                                      R"("45%")",
                                                      R"(" 45 % ")",
                                                      R"("12")",
                                                      R"(" 9.5 ")",
                                                      R"("abc")",
                                                      R"("1e19")",
                                                      R"("aGVsbG8=")",
                                                      R"("\u00e9t\u00e9")",
                                                      R"("line\nbreak\t\"quoted\"")",
                                                      R"("\ud83d\ude00")",
                                                      R"("%")",
                                                      R"("-")",
                                                      R"("0x1F")"};
    return pick(kStrings);
  }

  std::string string_ish(int depth) {
    if (percent(70)) return string_value();
    if (percent(60)) return percent(50) ? integer() : floating();
    return any_value(depth);
  }

  std::string int_ish(int depth) {
    static const std::vector<std::string> kIntStrings = {
        R"("12")",  R"(" 7 ")", R"("")",   R"("4.9")",
        R"("1e3")", R"("x")",   R"("+5")", R"("9223372036854775808")"};
    if (percent(40)) return integer();
    if (percent(40)) return percent(50) ? floating() : pick(kIntStrings);
    return any_value(depth);
  }

  std::string progress_ish(int depth) {
    static const std::vector<std::string> kProgress = {R"("45%")",   R"("45.5")", R"(" 100 % ")",
                                                       R"("")",      R"("most")", R"("%")",
                                                       R"("1e400")", R"("1e1")"};
    if (percent(40)) return percent(50) ? integer() : floating();
    if (percent(50)) return pick(kProgress);
    return any_value(depth);
  }

  std::string array_of(int depth, const std::function<std::string()>& element) {
    if (percent(5)) return any_value(depth);
    std::string text = "[" + space();
    const std::size_t n = below(4);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) text += "," + space();
      text += percent(95) ? element() : any_value(depth + 1);
    }
    return text + space() + "]";
  }

  // A value meant for `key` of a `level` model: usually of the right kind, sometimes not.
  std::string member_value(Level level, const std::string& key, int depth) {
    if (percent(10)) return any_value(depth);
    if (key == "tasks") return array_of(depth, [&] { return model(Level::task, depth + 1); });
    if (key == "val_errors") {
      return array_of(depth, [&] { return model(Level::val_error, depth + 1); });
    }
    if (key == "jobs") return array_of(depth, [&] { return model(Level::job, depth + 1); });
    if (key == "block_info") return percent(90) ? model(Level::block_info, depth + 1) : "null";
    if (key == "depends_on" || key == "disclaimer") {
      return array_of(depth, [&] { return string_ish(depth + 1); });
    }
    if (key == "spec" || key == "inputs" || key == "result" || key == "info_logs") {
      if (percent(40)) {
        std::string bytes = "[";
        const std::size_t n = below(6);
        for (std::size_t i = 0; i < n; ++i) bytes += (i ? "," : "") + std::to_string(below(300));
        return bytes + "]";
      }
      return any_value(depth + 1);
    }
    if (key == "cost" || key == "estimated_duration" || key == "estimated_time_duration") {
      return int_ish(depth);
    }
    if (key == "progress" && level == Level::task) return progress_ish(depth);
    return string_ish(depth);
  }

  std::string model(Level level, int depth) {
    static const std::vector<std::string> kUnknown = {"surprise", "extra", "", "Status", "id "};
    const std::vector<std::string>* keys = &kJobKeys;
    switch (level) {
      case Level::job:
        keys = &kJobKeys;
        break;
      case Level::task:
        keys = &kTaskKeys;
        break;
      case Level::val_error:
        keys = &kValErrorKeys;
        break;
      case Level::block_info:
        keys = &kBlockInfoKeys;
        break;
      case Level::link:
        keys = &kLinkKeys;
        break;
      case Level::list:
        keys = &kListKeys;
        break;
    }
    if (depth > 6) return "{}";
    std::vector<std::string> used;
    std::string text = "{" + space();
    const std::size_t n = below(std::min<std::size_t>(keys->size(), 8) + 1);
    for (std::size_t i = 0; i < n; ++i) {
      std::string key;
      if (!used.empty() && percent(10)) {
        key = pick(used);  // a duplicate: the DOM keeps the last
      } else if (percent(8)) {
        key = pick(kUnknown);
      } else {
        key = pick(*keys);
      }
      used.push_back(key);
      if (i) text += "," + space();
      text += "\"" + key + "\":" + space() + member_value(level, key, depth);
    }
    return text + space() + "}";
  }

  // Byte-level damage: deletions, insertions, duplications, swaps, truncation.
  std::string mutate(std::string text) {
    static const std::vector<std::string> kSnippets = {
        "{",           "}",        "[",    "]",     "\"",   ",",  ":",  "null",
        "true",        "0",        "-",    ".",     "e",    "\\", " ",  "\"status\":",
        "\"tasks\":[", "\xC3\xA9", "\xFF", "1e999", "\"\"", "{}", "[]", "\n"};
    const std::size_t operations = 1 + below(3);
    for (std::size_t op = 0; op < operations && !text.empty(); ++op) {
      const std::size_t at = below(text.size());
      switch (below(6)) {
        case 0:
          text.erase(at, 1 + below(8));
          break;
        case 1:
          text.insert(at, pick(kSnippets));
          break;
        case 2: {
          const std::string piece = text.substr(at, 1 + below(24));
          text.insert(below(text.size()), piece);
          break;
        }
        case 3:
          text[at] = pick(kSnippets)[0];
          break;
        case 4:
          if (at + 1 < text.size()) std::swap(text[at], text[at + 1]);
          break;
        default:
          text.resize(at);
          break;
      }
    }
    return text;
  }

  // Replaces, nulls or removes one node of a valid document: type swaps that stay valid JSON.
  std::string mutate_tree(const json& document) {
    std::vector<json::json_pointer> pointers;
    std::vector<std::pair<json::json_pointer, const json*>> todo = {
        {json::json_pointer(), &document}};
    while (!todo.empty()) {
      auto [pointer, node] = todo.back();
      todo.pop_back();
      pointers.push_back(pointer);
      if (node->is_object()) {
        for (const auto& item : node->items())
          todo.emplace_back(pointer / item.key(), &item.value());
      } else if (node->is_array()) {
        for (std::size_t i = 0; i < node->size(); ++i) todo.emplace_back(pointer / i, &(*node)[i]);
      }
    }
    json mutated = document;
    const std::size_t changes = 1 + below(3);
    for (std::size_t i = 0; i < changes; ++i) {
      const json::json_pointer& target = pick(pointers);
      if (!mutated.contains(target)) continue;
      switch (below(4)) {
        case 0:
          mutated[target] = nullptr;
          break;
        case 1:
          if (!target.empty()) {
            json& parent = mutated[target.parent_pointer()];
            if (parent.is_object()) parent.erase(target.back());
            break;
          }
          [[fallthrough]];
        default:
          mutated[target] = json::parse(any_value(1));
          break;
      }
    }
    return mutated.dump(percent(50) ? -1 : 1);
  }

 private:
  static const std::vector<std::string> kListKeys;
  std::mt19937_64 rng_;
  std::vector<std::string> palette_;
};

const std::vector<std::string> Generator::kListKeys = {"jobs", "next"};

// --- Tests ----------------------------------------------------------------------------------

TEST(DecodeEquivalenceTest, TheDocumentedExampleAndADistinctJob) {
  Differential differential;
  differential.check("the documented example", kDocumentedExample);
  differential.check("the distinct job", kDistinctJob);
  differential.check("a list of both", std::string(R"({"jobs": [)") + kDistinctJob + "," +
                                           kDocumentedExample + R"(, {"id": "j3"}]})");
  // Sanity: the decoders agree on a value, not merely on the same error.
  EXPECT_EQ(pixxel::internal::decode_job(kDocumentedExample),
            json::parse(kDocumentedExample).get<Job>());
  EXPECT_EQ(differential.tally().values, 9u);
  differential.report("documented");
}

TEST(DecodeEquivalenceTest, EveryLenientFormAndErrorAtEveryMember) {
  Differential differential;
  const std::vector<std::string> values = value_palette();
  for (const std::string& position : value_positions()) {
    for (const std::string& value : values) differential.check(position, fill(position, value));
  }
  EXPECT_GT(differential.tally().values, 5000u);
  EXPECT_GT(differential.tally().decode_errors, 3000u);
  differential.report("lenient forms and errors");
}

TEST(DecodeEquivalenceTest, ErrorPrecedenceAndDuplicateKeys) {
  Differential differential;
  for (const std::string& body : kPrecedenceBodies) differential.check("precedence", body);
  differential.report("precedence and duplicates");
}

TEST(DecodeEquivalenceTest, BodiesThatAreNotJson) {
  Differential differential;
  for (const std::string& body : syntax_error_bodies()) differential.check("syntax", body);
  const std::string job = kDistinctJob;
  for (std::size_t n = 0; n < job.size(); ++n) {
    differential.check("truncated at " + std::to_string(n), job.substr(0, n));
    differential.check("byte " + std::to_string(n) + " deleted",
                       job.substr(0, n) + job.substr(n + 1));
  }
  EXPECT_GT(differential.tally().not_json, 3000u);
  differential.report("not JSON");
}

TEST(DecodeEquivalenceTest, DeepNesting) {
  Differential differential;
  for (const std::string& body : deep_bodies()) {
    // The DOM decoder takes long over such bodies: only the decoders that read more of a body
    // than skipping it run.
    unsigned decoders = Differential::kJob;
    if (body.find("\"jobs\"") != std::string::npos) decoders |= Differential::kJobList;
    if (body.find("workflowId") != std::string::npos || body.front() != '{') {
      decoders |= Differential::kDownloadLink;
    }
    differential.check("deep", body, decoders);
  }
  // A raw member keeps any depth up to the limit, and is refused beyond it.
  const auto depth_of = [](const json& value) {
    std::size_t depth = 0;
    for (const json* node = &value; node->is_array(); node = &node->front()) {
      ++depth;
      if (node->empty()) break;
    }
    return depth;
  };
  const std::size_t limit = pixxel::internal::kMaxRawDepth;
  const Job job = pixxel::internal::decode_job(R"({"spec": )" + nested_arrays(limit) + "}");
  EXPECT_EQ(depth_of(job.spec), limit);
  try {
    pixxel::internal::decode_job(R"({"tasks": [{"inputs": )" + nested_arrays(limit + 1) + "}]}");
    ADD_FAILURE() << "expected DecodeError";
  } catch (const pixxel::DecodeError& e) {
    EXPECT_EQ(e.path(), "tasks[0].inputs");
    EXPECT_EQ(e.reason(), pixxel::internal::too_deep_reason());
  }
  differential.report("deep nesting");
}

TEST(DecodeEquivalenceTest, PseudoRandomBodies) {
  Generator generator(20240501);
  Differential differential;
  for (int i = 0; i < 4000; ++i) {
    Level level = Level::job;
    switch (generator.below(10)) {
      case 0:
      case 1:
        level = Level::list;
        break;
      case 2:
      case 3:
        level = Level::link;
        break;
      case 4:
        level = Level::task;
        break;
      default:
        break;
    }
    std::string body = generator.model(level, 0);
    if (generator.percent(40)) body = generator.mutate(std::move(body));
    differential.check("random body " + std::to_string(i), body);
  }
  EXPECT_GT(differential.tally().values, 1000u);
  EXPECT_GT(differential.tally().decode_errors, 500u);
  EXPECT_GT(differential.tally().not_json, 1000u);
  differential.report("pseudo-random bodies");
}

TEST(DecodeEquivalenceTest, MutationsOfValidBodies) {
  Generator generator(7);
  Differential differential;
  const std::vector<json> documents = {
      json::parse(kDistinctJob), json::parse(kDocumentedExample),
      json::parse(std::string(R"({"jobs": [)") + kDistinctJob + "," + kDocumentedExample + "]}"),
      json{{"id", "d"},
           {"status", "ready"},
           {"signed_url", "u"},
           {"workflowId", "w"},
           {"workflow_id", "s"},
           {"job_id", "j"}}};
  for (int i = 0; i < 2000; ++i) {
    const json& document = generator.pick(documents);
    differential.check("tree mutation " + std::to_string(i), generator.mutate_tree(document));
    differential.check("byte mutation " + std::to_string(i), generator.mutate(document.dump()));
  }
  EXPECT_GT(differential.tally().values, 1000u);
  EXPECT_GT(differential.tally().decode_errors, 1000u);
  differential.report("mutations of valid bodies");
}

}  // namespace
