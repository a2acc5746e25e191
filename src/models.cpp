#include "pixxel/models.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "internal/field_rules.hpp"
#include "pixxel/errors.hpp"

namespace pixxel {
namespace {

using json = nlohmann::json;
using internal::DownloadLinkDraft;
using internal::Schema;
using internal::ValueView;

// The DOM adapters: from_json on a caller's value. Answer bodies are decoded by the SAX
// decoder (decode_sax.cpp) with the same schema and leaf rules (internal/field_rules.hpp).

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
    internal::append_index(out, path.index);
  } else {
    internal::append_key(out, path.key);
  }
}

[[noreturn]] void fail_expected(const Path& path, const char* expected, const ValueView& got) {
  std::string text;
  append_path(path, text);
  throw DecodeError(std::move(text), internal::expected_reason(expected, got));
}

[[noreturn]] void fail_expected(const Path& path, const char* expected, const json& got) {
  fail_expected(path, expected, internal::view_of(got));
}

void read_field(const json& v, std::string& out, const Path& path) {
  ValueView view = internal::view_of(v);
  if (const char* expected = internal::read_string(view, out)) fail_expected(path, expected, view);
}

void read_field(const json& v, std::int64_t& out, const Path& path) {
  const ValueView view = internal::view_of(v);
  if (const char* expected = internal::read_int(view, out)) fail_expected(path, expected, view);
}

void read_field(const json& v, double& out, const Path& path) {
  const ValueView view = internal::view_of(v);
  if (const char* expected = internal::read_progress(view, out)) {
    fail_expected(path, expected, view);
  }
}

// Whether `v` nests deeper than `limit`, found without recursion (the value itself may be
// too deep to recurse over).
bool deeper_than(const json& v, std::size_t limit) {
  std::vector<std::pair<const json*, std::size_t>> pending{{&v, 1}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (!value->is_structured()) continue;
    if (depth > limit) return true;
    for (const json& child : *value) pending.emplace_back(&child, depth + 1);
  }
  return false;
}

void read_field(const json& v, json& out, const Path& path) {
  // Copying (here, and in the caller's code later) recurses once per level.
  if (deeper_than(v, internal::kMaxRawDepth)) {
    std::string text;
    append_path(path, text);
    throw DecodeError(std::move(text), internal::too_deep_reason());
  }
  out = v;
}

void read_field(const json& v, std::vector<std::string>& out, const Path& path) {
  if (v.is_null()) return;
  const auto* array = v.get_ptr<const json::array_t*>();
  if (array == nullptr) fail_expected(path, internal::kExpectArray, v);
  out.reserve(array->size());
  std::size_t i = 0;
  for (const json& element : *array) {
    const Path element_path = path.element(i++);
    if (element.is_null()) fail_expected(element_path, internal::kExpectStringOrNumber, element);
    read_field(element, out.emplace_back(), element_path);
  }
}

// Nested models: an object member, an array of objects.
void read_field(const json& v, BlockInfo& out, const Path& path);
template <class T>
void read_field(const json& v, std::vector<T>& out, const Path& path);

template <class T>
void read_object(const json& v, T& out, const Path& path) {
  const auto* object = v.get_ptr<const json::object_t*>();
  if (object == nullptr) fail_expected(path, internal::kExpectObject, v);
  for (const auto& member : *object) {
    const std::string& key = member.first;
    const int field = internal::find_field<T>(key);
    if (field == internal::kUnknownField) continue;
    std::visit([&](auto pointer) { read_field(member.second, out.*pointer, path.member(key)); },
               Schema<T>::fields[field].member);
  }
}

void read_field(const json& v, BlockInfo& out, const Path& path) {
  if (!v.is_null()) read_object(v, out, path);
}

template <class T>
void read_field(const json& v, std::vector<T>& out, const Path& path) {
  if (v.is_null()) return;
  const auto* array = v.get_ptr<const json::array_t*>();
  if (array == nullptr) fail_expected(path, internal::kExpectArray, v);
  out.reserve(array->size());
  std::size_t i = 0;
  for (const json& element : *array) read_object(element, out.emplace_back(), path.element(i++));
}

// Decodes into a fresh value, so members absent from `v` get their defaults and a failure
// leaves the caller's value untouched.
template <class T>
T decode(const json& v) {
  T out;
  read_object(v, out, Path{});
  return out;
}

// The public adapters promise DecodeError and nothing else; nlohmann throws its own
// exceptions on misuse, so none may cross this boundary.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const json::exception& e) {
    throw DecodeError("", internal::library_error_reason(e.what()));
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
  v = guarded([&] { return decode<BlockInfo>(j); });
}

void to_json(nlohmann::json& j, const ValError& v) {
  j = json{{"from", v.from},
           {"to", v.to},
           {"err", v.err},
           {"reason", v.reason},
           {"component_name", v.component_name}};
}

void from_json(const nlohmann::json& j, ValError& v) {
  v = guarded([&] { return decode<ValError>(j); });
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
  v = guarded([&] { return decode<Task>(j); });
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
  v = guarded([&] { return decode<Job>(j); });
}

void to_json(nlohmann::json& j, const DownloadLink& v) {
  j = json{{"id", v.id},
           {"status", v.status},
           {"signed_url", v.signed_url},
           {"workflow_id", v.workflow_id},
           {"job_id", v.job_id}};
}

void from_json(const nlohmann::json& j, DownloadLink& v) {
  v = guarded([&] { return decode<DownloadLinkDraft>(j).finish(); });
}

std::optional<std::vector<std::uint8_t>> raw_bytes(const nlohmann::json& value) {
  if (const auto* array = value.get_ptr<const json::array_t*>()) return bytes_from_array(*array);
  if (const auto* text = value.get_ptr<const std::string*>()) return bytes_from_base64(*text);
  return std::nullopt;
}

}  // namespace pixxel
