#include "pixxel/models.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "internal/decode.hpp"
#include "pixxel/errors.hpp"

namespace pixxel {
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

template <class J>
void read_raw(J& v, json& out) {
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
    read_raw(v, out.info_logs);
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
    read_raw(v, out.inputs);
  } else if (key == "result") {
    read_raw(v, out.result);
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
    read_raw(v, out.spec);
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

// Raw-byte fields ---------------------------------------------------------------------------

std::optional<std::vector<std::uint8_t>> bytes_from_array(const json::array_t& array) {
  std::vector<std::uint8_t> bytes;
  bytes.reserve(array.size());
  for (const json& element : array) {
    if (element.is_number_unsigned()) {
      const auto u = element.get<json::number_unsigned_t>();
      if (u > 255) return std::nullopt;
      bytes.push_back(static_cast<std::uint8_t>(u));
    } else if (element.is_number_integer()) {
      const auto n = element.get<json::number_integer_t>();
      if (n < 0 || n > 255) return std::nullopt;
      bytes.push_back(static_cast<std::uint8_t>(n));
    } else {
      return std::nullopt;
    }
  }
  return bytes;
}

// The 6-bit value of a base64 character in either the standard or the URL-safe alphabet,
// or -1.
int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::optional<std::vector<std::uint8_t>> bytes_from_base64(std::string_view text) {
  std::size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  if (padding > 2 || (padding > 0 && text.size() % 4 != 0)) return std::nullopt;
  const std::string_view data = text.substr(0, text.size() - padding);
  if (data.size() % 4 == 1) return std::nullopt;

  std::vector<std::uint8_t> bytes;
  bytes.reserve(data.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char c : data) {
    const int value = base64_value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      bytes.push_back(static_cast<std::uint8_t>((bits >> bit_count) & 0xFF));
    }
  }
  return bytes;
}

auto fields(const BlockInfo& v) { return std::tie(v.id, v.name, v.version); }

auto fields(const ValError& v) { return std::tie(v.from, v.to, v.err, v.reason, v.component_name); }

auto fields(const Task& v) {
  return std::tie(v.id, v.info_logs, v.created_at, v.updated_at, v.finished_at,
                  v.estimated_time_duration, v.time_taken, v.status, v.state_msg, v.inputs,
                  v.result, v.depends_on, v.name, v.progress, v.disclaimer, v.recv_time,
                  v.send_time, v.block_inf_start_time, v.block_inf_end_time, v.block_info,
                  v.err_msg, v.failure_type);
}

auto fields(const Job& v) {
  return std::tie(v.created_by, v.status, v.time_taken, v.id, v.tasks, v.val_errors, v.spec, v.cost,
                  v.workflow_id, v.updated_at, v.finished_at, v.exec_created_at, v.exec_updated_at,
                  v.created_at, v.estimated_duration, v.progress);
}

auto fields(const DownloadLink& v) {
  return std::tie(v.id, v.status, v.signed_url, v.workflow_id, v.job_id);
}

}  // namespace

bool operator==(const BlockInfo& a, const BlockInfo& b) { return fields(a) == fields(b); }
bool operator==(const ValError& a, const ValError& b) { return fields(a) == fields(b); }
bool operator==(const Task& a, const Task& b) { return fields(a) == fields(b); }
bool operator==(const Job& a, const Job& b) { return fields(a) == fields(b); }
bool operator==(const DownloadLink& a, const DownloadLink& b) { return fields(a) == fields(b); }

void to_json(nlohmann::json& j, const BlockInfo& v) {
  j = json{{"id", v.id}, {"name", v.name}, {"version", v.version}};
}

void from_json(const nlohmann::json& j, BlockInfo& v) {
  v = guarded([&] { return decode<BlockInfo>(j, Path{}); });
}

void to_json(nlohmann::json& j, const ValError& v) {
  j = json{{"from", v.from},
           {"to", v.to},
           {"err", v.err},
           {"reason", v.reason},
           {"component_name", v.component_name}};
}

void from_json(const nlohmann::json& j, ValError& v) {
  v = guarded([&] { return decode<ValError>(j, Path{}); });
}

void to_json(nlohmann::json& j, const Task& v) {
  j = json{{"id", v.id},
           {"info_logs", v.info_logs},
           {"created_at", v.created_at},
           {"updated_at", v.updated_at},
           {"finished_at", v.finished_at},
           {"estimated_time_duration", v.estimated_time_duration},
           {"time_taken", v.time_taken},
           {"status", v.status},
           {"state_msg", v.state_msg},
           {"inputs", v.inputs},
           {"result", v.result},
           {"depends_on", v.depends_on},
           {"name", v.name},
           {"progress", v.progress},
           {"disclaimer", v.disclaimer},
           {"recv_time", v.recv_time},
           {"send_time", v.send_time},
           {"block_inf_start_time", v.block_inf_start_time},
           {"block_inf_end_time", v.block_inf_end_time},
           {"block_info", v.block_info},
           {"err_msg", v.err_msg},
           {"failure_type", v.failure_type}};
}

void from_json(const nlohmann::json& j, Task& v) {
  v = guarded([&] { return decode<Task>(j, Path{}); });
}

void to_json(nlohmann::json& j, const Job& v) {
  j = json{{"created_by", v.created_by},
           {"status", v.status},
           {"time_taken", v.time_taken},
           {"id", v.id},
           {"tasks", v.tasks},
           {"val_errors", v.val_errors},
           {"spec", v.spec},
           {"cost", v.cost},
           {"workflow_id", v.workflow_id},
           {"updated_at", v.updated_at},
           {"finished_at", v.finished_at},
           {"exec_created_at", v.exec_created_at},
           {"exec_updated_at", v.exec_updated_at},
           {"created_at", v.created_at},
           {"estimated_duration", v.estimated_duration},
           {"progress", v.progress}};
}

void from_json(const nlohmann::json& j, Job& v) {
  v = guarded([&] { return decode<Job>(j, Path{}); });
}

void to_json(nlohmann::json& j, const DownloadLink& v) {
  j = json{{"id", v.id},
           {"status", v.status},
           {"signed_url", v.signed_url},
           {"workflow_id", v.workflow_id},
           {"job_id", v.job_id}};
}

void from_json(const nlohmann::json& j, DownloadLink& v) {
  v = guarded([&] { return decode_link(j, Path{}); });
}

std::optional<std::vector<std::uint8_t>> raw_bytes(const nlohmann::json& value) {
  if (const auto* array = value.get_ptr<const json::array_t*>()) return bytes_from_array(*array);
  if (const auto* text = value.get_ptr<const std::string*>()) return bytes_from_base64(*text);
  return std::nullopt;
}

namespace internal {

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

}  // namespace internal
}  // namespace pixxel
