#ifndef PIXXEL_INTERNAL_FIELD_RULES_HPP_
#define PIXXEL_INTERNAL_FIELD_RULES_HPP_

// The decoding rules of the models, written once for both decoders: the DOM adapters
// (from_json, for a caller's nlohmann::json) and the SAX body decoder (decode_*, for answer
// bodies). Both read keys through the same schema and leaf values through the same rules, so
// they cannot drift apart in what they accept or in the text of their errors. Not public API.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "pixxel/models.hpp"

namespace pixxel::internal {

// Raw values (spec, inputs, result, info_logs) may nest at most this deep: deeper ones would
// overflow the stack when copied, since nlohmann copies recursively.
constexpr std::size_t kMaxRawDepth = 256;

inline std::string too_deep_reason() {
  return "nested deeper than " + std::to_string(kMaxRawDepth) + " levels";
}

// What a rule sees of a JSON value: a scalar's value, or only the kind of a container (no
// rule looks inside one). The DOM adapters view a node this way, the SAX decoder an event.
struct ValueView {
  enum class Kind : std::uint8_t {
    null,
    boolean,
    integer,
    unsigned_integer,
    floating,
    string,
    object,
    array,
    binary
  };

  Kind kind = Kind::null;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double floating = 0;
  std::string_view string;
  // Set when the string's storage may be taken instead of copied.
  std::string* movable_string = nullptr;
};

ValueView view_of(const nlohmann::json& v);

// What a field expected, for expected_reason().
inline constexpr const char* kExpectStringOrNumber = "a string or a number";
inline constexpr const char* kExpectArray = "an array";
inline constexpr const char* kExpectObject = "an object";

// The leaf rules. Each stores the value into `out` and returns nullptr, or leaves `out` alone
// and returns what it expected instead. `null` means "not set" and leaves `out` alone.
//
// String fields take a string, or a finite number as its JSON text.
const char* read_string(ValueView& v, std::string& out);
// Integer fields take an integer, a float (truncated toward zero), or a string holding a
// number ("" means not set).
const char* read_int(const ValueView& v, std::int64_t& out);
// Task::progress takes a number, or a string holding one with an optional '%'.
const char* read_progress(const ValueView& v, double& out);

// "expected <expected>, got <a short description of got>". Each reason is clipped to a
// short length after every spelling of `secret` (the API key, when decoding an answer) is
// redacted from it.
std::string expected_reason(const char* expected, const ValueView& got,
                            std::string_view secret = {});

// The reason of a DecodeError for a body the JSON parser rejected, from the parser's message.
std::string not_json_reason(std::string_view parser_message, std::string_view secret = {});
// The reason of a DecodeError for an nlohmann exception thrown while decoding.
std::string library_error_reason(std::string_view message, std::string_view secret = {});

// Path text: "tasks[3].progress".
void append_key(std::string& path, std::string_view key);
void append_index(std::string& path, std::size_t index);

// The schema ---------------------------------------------------------------------------------

// A DownloadLink while it is read: the job answer spells the workflow id `workflowId`, the
// task answer `workflow_id`; finish() keeps `workflow_id` unless it is empty.
struct DownloadLinkDraft {
  std::string id;
  std::string status;
  std::string signed_url;
  std::string workflow_id;
  std::string camel_workflow_id;
  std::string job_id;

  DownloadLink finish() &&;
};

// The body of a job list: {"jobs": [...]}.
struct JobListDraft {
  std::vector<Job> jobs;
};

// A decoded member, by its type, which also picks its rule: std::string by read_string,
// std::int64_t by read_int, double (only Task::progress) by read_progress, nlohmann::json
// keeps any value, std::vector<std::string> is an array of strings, BlockInfo a nested
// object, std::vector<Model> an array of objects. A missing key or null leaves the default.
template <class T>
using Member = std::variant<std::string T::*, std::int64_t T::*, double T::*, nlohmann::json T::*,
                            std::vector<std::string> T::*, BlockInfo T::*, std::vector<Task> T::*,
                            std::vector<ValError> T::*, std::vector<Job> T::*>;

template <class T>
struct Field {
  std::string_view key;
  Member<T> member;
};

template <class T>
struct Schema;

template <>
struct Schema<BlockInfo> {
  static constexpr Field<BlockInfo> fields[] = {
      {"id", &BlockInfo::id}, {"name", &BlockInfo::name}, {"version", &BlockInfo::version}};
};

template <>
struct Schema<ValError> {
  static constexpr Field<ValError> fields[] = {{"from", &ValError::from},
                                               {"to", &ValError::to},
                                               {"err", &ValError::err},
                                               {"reason", &ValError::reason},
                                               {"component_name", &ValError::component_name}};
};

template <>
struct Schema<Task> {
  static constexpr Field<Task> fields[] = {
      {"id", &Task::id},
      {"info_logs", &Task::info_logs},
      {"created_at", &Task::created_at},
      {"updated_at", &Task::updated_at},
      {"finished_at", &Task::finished_at},
      {"estimated_time_duration", &Task::estimated_time_duration},
      {"time_taken", &Task::time_taken},
      {"status", &Task::status},
      {"state_msg", &Task::state_msg},
      {"inputs", &Task::inputs},
      {"result", &Task::result},
      {"depends_on", &Task::depends_on},
      {"name", &Task::name},
      {"progress", &Task::progress},
      {"disclaimer", &Task::disclaimer},
      {"recv_time", &Task::recv_time},
      {"send_time", &Task::send_time},
      {"block_inf_start_time", &Task::block_inf_start_time},
      {"block_inf_end_time", &Task::block_inf_end_time},
      {"block_info", &Task::block_info},
      {"err_msg", &Task::err_msg},
      {"failure_type", &Task::failure_type}};
};

template <>
struct Schema<Job> {
  static constexpr Field<Job> fields[] = {{"created_by", &Job::created_by},
                                          {"status", &Job::status},
                                          {"time_taken", &Job::time_taken},
                                          {"id", &Job::id},
                                          {"tasks", &Job::tasks},
                                          {"val_errors", &Job::val_errors},
                                          {"spec", &Job::spec},
                                          {"cost", &Job::cost},
                                          {"workflow_id", &Job::workflow_id},
                                          {"updated_at", &Job::updated_at},
                                          {"finished_at", &Job::finished_at},
                                          {"exec_created_at", &Job::exec_created_at},
                                          {"exec_updated_at", &Job::exec_updated_at},
                                          {"created_at", &Job::created_at},
                                          {"estimated_duration", &Job::estimated_duration},
                                          {"progress", &Job::progress}};
};

template <>
struct Schema<DownloadLinkDraft> {
  static constexpr Field<DownloadLinkDraft> fields[] = {
      {"id", &DownloadLinkDraft::id},
      {"status", &DownloadLinkDraft::status},
      {"signed_url", &DownloadLinkDraft::signed_url},
      {"workflow_id", &DownloadLinkDraft::workflow_id},
      {"workflowId", &DownloadLinkDraft::camel_workflow_id},
      {"job_id", &DownloadLinkDraft::job_id}};
};

template <>
struct Schema<JobListDraft> {
  static constexpr Field<JobListDraft> fields[] = {{"jobs", &JobListDraft::jobs}};
};

inline constexpr int kUnknownField = -1;

// The index of `key` in Schema<T>::fields, or kUnknownField. Keys are few and short, so a
// scan beats hashing, and allocates nothing. It starts at `first`: bodies tend to list keys in
// one order, so a decoder that passes the index after the previous key's mostly hits at once.
template <class T>
int find_field(std::string_view key, std::size_t first = 0) {
  const auto& fields = Schema<T>::fields;
  constexpr std::size_t kCount = std::size(Schema<T>::fields);
  if (first >= kCount) first = 0;
  for (std::size_t n = 0, i = first; n < kCount; ++n, i = i + 1 == kCount ? 0 : i + 1) {
    const std::string_view candidate = fields[i].key;
    if (candidate.size() == key.size() &&
        std::char_traits<char>::compare(candidate.data(), key.data(), key.size()) == 0) {
      return static_cast<int>(i);
    }
  }
  return kUnknownField;
}

}  // namespace pixxel::internal

#endif  // PIXXEL_INTERNAL_FIELD_RULES_HPP_
