// The answer-body decoders: the bytes go through nlohmann's SAX parser straight into the
// models, so no DOM of the whole body is ever built (a DOM costs 5-10 times the text). Only
// the raw members (`spec`, `inputs`, `result`, `info_logs`), which keep any JSON value, get a
// DOM, of their own subtree.
//
// The result must be exactly what the DOM adapters (from_json) give for the parsed body, errors
// included. Three properties of the DOM path shape the design:
// - A DOM object keeps the last value of a duplicate key, so a later duplicate resets the
//   member and withdraws any error the earlier value caused.
// - The DOM adapters visit members in key order (nlohmann objects are sorted maps) and stop at
//   the first error, so errors are collected per member and the one with the least key wins
//   when the object closes; in an array the first failing element wins.
// - The body is parsed before anything is decoded, so a syntax error anywhere beats any decode
//   error: decode errors are only thrown once the parse has succeeded.
// Nesting is tracked on explicit stacks (frames_, raw_stack_, skip_depth_), never on the C
// stack, so any depth nlohmann's parser accepts is safe.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "internal/decode.hpp"
#include "internal/field_rules.hpp"
#include "pixxel/errors.hpp"

namespace pixxel::internal {
namespace {

using json = nlohmann::json;
using Kind = ValueView::Kind;

// The parser builds each string in one reused buffer. Copying a short string out gives the
// member an exact-size allocation and leaves the buffer's capacity for the next string;
// taking the buffer of a long one saves copying it, at the price of some slack capacity.
constexpr std::size_t kTakeStringsFrom = 1024;

enum class Model : std::uint8_t { job_list, job, task, val_error, block_info, link };

template <class T>
struct ModelOf;
template <>
struct ModelOf<JobListDraft> : std::integral_constant<Model, Model::job_list> {};
template <>
struct ModelOf<Job> : std::integral_constant<Model, Model::job> {};
template <>
struct ModelOf<Task> : std::integral_constant<Model, Model::task> {};
template <>
struct ModelOf<ValError> : std::integral_constant<Model, Model::val_error> {};
template <>
struct ModelOf<BlockInfo> : std::integral_constant<Model, Model::block_info> {};
template <>
struct ModelOf<DownloadLinkDraft> : std::integral_constant<Model, Model::link> {};

// Calls f with `target` as the model it points to.
template <class F>
decltype(auto) with_model(Model model, void* target, F&& f) {
  switch (model) {
    case Model::job_list:
      return f(*static_cast<JobListDraft*>(target));
    case Model::job:
      return f(*static_cast<Job*>(target));
    case Model::task:
      return f(*static_cast<Task*>(target));
    case Model::val_error:
      return f(*static_cast<ValError*>(target));
    case Model::block_info:
      return f(*static_cast<BlockInfo*>(target));
    case Model::link:
    default:
      return f(*static_cast<DownloadLinkDraft*>(target));
  }
}

// The elements of an array of models while it is read. A std::vector grown one element at a
// time ends with up to twice the room it needs, and holds old and new storage at once while
// growing; a deque never moves its elements, so they go into an exact-size vector at the end.
using Elements =
    std::variant<std::monostate, std::deque<Task>, std::deque<ValError>, std::deque<Job>>;

Elements elements_of(Model model) {
  switch (model) {
    case Model::task:
      return std::deque<Task>();
    case Model::val_error:
      return std::deque<ValError>();
    case Model::job:
      return std::deque<Job>();
    default:
      return std::monostate();
  }
}

// Appends a default element and returns it.
void* emplace_element(Elements& elements) {
  return std::visit(
      [](auto& deque) -> void* {
        if constexpr (std::is_same_v<std::decay_t<decltype(deque)>, std::monostate>) {
          return nullptr;
        } else {
          return &deque.emplace_back();
        }
      },
      elements);
}

// Moves the elements into the std::vector at `vector`, freeing the deque as it goes.
void move_elements(Elements& elements, void* vector) {
  std::visit(
      [&](auto& deque) {
        using Deque = std::decay_t<decltype(deque)>;
        if constexpr (!std::is_same_v<Deque, std::monostate>) {
          auto& out = *static_cast<std::vector<typename Deque::value_type>*>(vector);
          out.reserve(out.size() + deque.size());
          while (!deque.empty()) {
            out.push_back(std::move(deque.front()));
            deque.pop_front();
          }
        }
      },
      elements);
}

std::string take_string(ValueView& v) {
  return v.movable_string != nullptr ? std::move(*v.movable_string) : std::string(v.string);
}

struct PendingError {
  std::string_view key;  // the member the error is in, to rank it as the DOM decoder would
  std::string path;
  std::string reason;
};

enum class FrameKind : std::uint8_t {
  object,   // a model being decoded
  objects,  // an array of models
  strings,  // an array of strings
};

struct Frame {
  FrameKind kind = FrameKind::object;
  Model model = Model::job;          // object: the model; objects: the element model
  bool failed = false;               // arrays: an element failed, so the rest is not decoded
  int field = kUnknownField;         // object: the member whose value comes next
  std::size_t elements = 0;          // arrays: the elements begun so far
  void* target = nullptr;            // the model, or the std::vector the array decodes into
  std::vector<PendingError> errors;  // object: the errors of its members, at most one each
  Elements elements_read;            // objects: the elements, until the array closes
};

// The SAX handler (see nlohmann::json_sax). It never stops the parse early: the parser must
// see every byte, as a syntax error anywhere takes precedence over decode errors.
class BodyDecoder {
 public:
  BodyDecoder(Model root_model, void* root, std::string_view secret)
      : root_model_(root_model), root_(root), secret_(secret) {
    frames_.reserve(8);
  }

  bool null() {
    ValueView v;
    return scalar(v);
  }

  bool boolean(bool b) {
    ValueView v;
    v.kind = Kind::boolean;
    v.boolean = b;
    return scalar(v);
  }

  bool number_integer(json::number_integer_t n) {
    ValueView v;
    v.kind = Kind::integer;
    v.integer = n;
    return scalar(v);
  }

  bool number_unsigned(json::number_unsigned_t n) {
    ValueView v;
    v.kind = Kind::unsigned_integer;
    v.unsigned_integer = n;
    return scalar(v);
  }

  bool number_float(json::number_float_t d, const json::string_t& /*text*/) {
    ValueView v;
    v.kind = Kind::floating;
    v.floating = d;
    return scalar(v);
  }

  bool string(json::string_t& s) {
    ValueView v;
    v.kind = Kind::string;
    v.string = s;
    if (s.size() >= kTakeStringsFrom) v.movable_string = &s;
    return scalar(v);
  }

  bool binary(json::binary_t& b) {
    // JSON text has no binary values; handled for completeness of the interface.
    if (skip_depth_ == 0 && !raw_stack_.empty()) {
      raw_insert(json(std::move(b)));
      return true;
    }
    ValueView v;
    v.kind = Kind::binary;
    return scalar(v);
  }

  bool start_object(std::size_t /*elements*/) { return open(Kind::object); }
  bool start_array(std::size_t /*elements*/) { return open(Kind::array); }

  bool key(json::string_t& k) {
    if (skip_depth_ > 0) return true;
    if (!raw_stack_.empty()) {
      auto& object = *raw_stack_.back()->get_ptr<json::object_t*>();
      // operator[] keeps the last value of a duplicate key, as nlohmann's DOM parser does.
      ValueView v;
      v.string = k;
      if (k.size() >= kTakeStringsFrom) v.movable_string = &k;
      raw_slot_ = &object[take_string(v)];
      return true;
    }
    Frame& top = frames_.back();
    top.field = with_model(top.model, top.target, [&](auto& model) {
      return begin_member(model, k, static_cast<std::size_t>(top.field + 1), top.errors);
    });
    return true;
  }

  bool end_object() { return close(); }
  bool end_array() { return close(); }

  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const Exception& e) {
    parse_error_ = e.what();
    return false;
  }

  const std::string& parse_error_message() const { return parse_error_; }

  // The decode error the DOM decoder would have thrown, if any.
  void throw_if_failed() {
    if (error_) throw DecodeError(std::move(error_->path), std::move(error_->reason));
  }

 private:
  bool scalar(ValueView& v) {
    if (skip_depth_ > 0) return true;
    if (!raw_stack_.empty()) {
      raw_insert(raw_value(v));
      return true;
    }
    if (frames_.empty()) {
      fail(kExpectObject, v);
      return true;
    }
    Frame& top = frames_.back();
    switch (top.kind) {
      case FrameKind::object:
        if (top.field != kUnknownField) {
          const int field = top.field;
          with_model(top.model, top.target, [&](auto& model) { scalar_member(model, field, v); });
        }
        break;
      case FrameKind::objects:
        if (top.failed) break;
        ++top.elements;
        fail(kExpectObject, v);
        break;
      case FrameKind::strings: {
        if (top.failed) break;
        ++top.elements;
        if (v.kind == Kind::null) {
          fail(kExpectStringOrNumber, v);
          break;
        }
        auto& strings = *static_cast<std::vector<std::string>*>(top.target);
        if (const char* expected = read_string(v, strings.emplace_back())) fail(expected, v);
        break;
      }
    }
    return true;
  }

  bool open(Kind kind) {
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (!raw_stack_.empty()) {
      if (raw_stack_.size() >= kMaxRawDepth) {
        // Parsing deeper would be safe here, but copying such a value in the caller's code
        // recurses once per level. Filed like any member error, so that error order,
        // repeated keys and syntax errors play out as in the DOM decoder.
        report(current_path(), too_deep_reason());
        skip_depth_ = 1;
        return true;
      }
      raw_stack_.push_back(raw_insert(json(container_type(kind))));
      return true;
    }
    ValueView v;
    v.kind = kind;
    if (frames_.empty()) {
      if (kind == Kind::object) {
        push(FrameKind::object, root_model_, root_);
      } else {
        fail(kExpectObject, v);
        skip_depth_ = 1;
      }
      return true;
    }
    Frame& top = frames_.back();
    switch (top.kind) {
      case FrameKind::object:
        if (top.field == kUnknownField) {
          // An unknown key's value is parsed (it must be valid JSON) but not kept.
          skip_depth_ = 1;
        } else {
          const int field = top.field;
          with_model(top.model, top.target, [&](auto& model) { open_member(model, field, v); });
        }
        break;
      case FrameKind::objects:
        if (top.failed) {
          skip_depth_ = 1;
          break;
        }
        ++top.elements;
        if (kind == Kind::object) {
          const Model model = top.model;
          push(FrameKind::object, model, emplace_element(top.elements_read));
        } else {
          fail(kExpectObject, v);
          skip_depth_ = 1;
        }
        break;
      case FrameKind::strings:
        if (!top.failed) {
          ++top.elements;
          fail(kExpectStringOrNumber, v);
        }
        skip_depth_ = 1;
        break;
    }
    return true;
  }

  bool close() {
    if (skip_depth_ > 0) {
      --skip_depth_;
      return true;
    }
    if (!raw_stack_.empty()) {
      raw_stack_.pop_back();
      return true;
    }
    Frame& top = frames_.back();
    if (top.kind == FrameKind::objects) move_elements(top.elements_read, top.target);
    std::vector<PendingError>& errors = top.errors;
    if (errors.empty()) {
      frames_.pop_back();
      return true;
    }
    // The DOM decoder reads members in key order and stops at the first failure.
    const auto first = std::min_element(
        errors.begin(), errors.end(),
        [](const PendingError& a, const PendingError& b) { return a.key < b.key; });
    std::string path = std::move(first->path);
    std::string reason = std::move(first->reason);
    frames_.pop_back();
    report(std::move(path), std::move(reason));
    return true;
  }

  void push(FrameKind kind, Model model, void* target) {
    Frame& frame = frames_.emplace_back();
    frame.kind = kind;
    frame.model = model;
    frame.target = target;
    if (kind == FrameKind::objects) frame.elements_read = elements_of(model);
  }

  template <class T>
  int begin_member(T& model, std::string_view key, std::size_t first,
                   std::vector<PendingError>& errors) {
    const int field = find_field<T>(key, first);
    if (field == kUnknownField) return field;
    const Field<T>& spec = Schema<T>::fields[field];
    // A duplicate key replaces the earlier value, and with it the earlier value's error.
    if (!errors.empty()) {
      errors.erase(std::remove_if(errors.begin(), errors.end(),
                                  [&](const PendingError& e) { return e.key == spec.key; }),
                   errors.end());
    }
    std::visit(
        [&](auto member) {
          auto& out = model.*member;
          out = std::remove_reference_t<decltype(out)>{};
        },
        spec.member);
    return field;
  }

  template <class T>
  void scalar_member(T& model, int field, ValueView& v) {
    std::visit([&](auto member) { scalar_into(model.*member, v); },
               Schema<T>::fields[field].member);
  }

  template <class T>
  void open_member(T& model, int field, ValueView& v) {
    std::visit([&](auto member) { open_into(model.*member, v); }, Schema<T>::fields[field].member);
  }

  // A scalar value arrives for a member -------------------------------------------------

  void scalar_into(std::string& out, ValueView& v) {
    if (const char* expected = read_string(v, out)) fail(expected, v);
  }
  void scalar_into(std::int64_t& out, ValueView& v) {
    if (const char* expected = read_int(v, out)) fail(expected, v);
  }
  void scalar_into(double& out, ValueView& v) {
    if (const char* expected = read_progress(v, out)) fail(expected, v);
  }
  void scalar_into(json& out, ValueView& v) { out = raw_value(v); }
  void scalar_into(std::vector<std::string>& /*out*/, ValueView& v) {
    if (v.kind != Kind::null) fail(kExpectArray, v);
  }
  void scalar_into(BlockInfo& /*out*/, ValueView& v) {
    if (v.kind != Kind::null) fail(kExpectObject, v);
  }
  template <class T>
  void scalar_into(std::vector<T>& /*out*/, ValueView& v) {
    if (v.kind != Kind::null) fail(kExpectArray, v);
  }

  // An object or an array begins for a member -------------------------------------------

  template <class Leaf>
  void open_into(Leaf& out, ValueView& v) {
    scalar_into(out, v);  // the leaf rules reject a container
    skip_depth_ = 1;
  }
  void open_into(json& out, ValueView& v) {
    out = json(container_type(v.kind));
    raw_stack_.push_back(&out);
  }
  void open_into(std::vector<std::string>& out, ValueView& v) {
    if (v.kind == Kind::array) {
      push(FrameKind::strings, Model::job, &out);
    } else {
      fail(kExpectArray, v);
      skip_depth_ = 1;
    }
  }
  void open_into(BlockInfo& out, ValueView& v) {
    if (v.kind == Kind::object) {
      push(FrameKind::object, Model::block_info, &out);
    } else {
      fail(kExpectObject, v);
      skip_depth_ = 1;
    }
  }
  template <class T>
  void open_into(std::vector<T>& out, ValueView& v) {
    if (v.kind == Kind::array) {
      push(FrameKind::objects, ModelOf<T>::value, &out);
    } else {
      fail(kExpectArray, v);
      skip_depth_ = 1;
    }
  }

  // Raw members: a DOM of their subtree -------------------------------------------------

  static json::value_t container_type(Kind kind) {
    return kind == Kind::object ? json::value_t::object : json::value_t::array;
  }

  static json raw_value(ValueView& v) {
    switch (v.kind) {
      case Kind::boolean:
        return json(v.boolean);
      case Kind::integer:
        return json(v.integer);
      case Kind::unsigned_integer:
        return json(v.unsigned_integer);
      case Kind::floating:
        return json(v.floating);
      case Kind::string:
        return json(take_string(v));
      default:
        return json();
    }
  }

  // Puts `value` where the innermost open raw container expects its next value.
  json* raw_insert(json&& value) {
    if (auto* array = raw_stack_.back()->get_ptr<json::array_t*>()) {
      array->push_back(std::move(value));
      return &array->back();
    }
    *raw_slot_ = std::move(value);
    return raw_slot_;
  }

  // Errors ------------------------------------------------------------------------------

  std::string_view field_key(const Frame& frame) const {
    return with_model(frame.model, frame.target, [&](auto& model) {
      using T = std::remove_reference_t<decltype(model)>;
      return Schema<T>::fields[frame.field].key;
    });
  }

  // The path of the value being delivered: the open frames, down to its member or element.
  std::string current_path() const {
    std::string path;
    for (const Frame& frame : frames_) {
      if (frame.kind == FrameKind::object) {
        append_key(path, field_key(frame));
      } else {
        append_index(path, frame.elements - 1);
      }
    }
    return path;
  }

  void fail(const char* expected, const ValueView& got) {
    report(current_path(), expected_reason(expected, got, secret_));
  }

  // Files an error under the member of the innermost object frame that holds the failed
  // value; an array's first failure fails the array's member.
  void report(std::string path, std::string reason) {
    if (frames_.empty()) {
      error_ = PendingError{{}, std::move(path), std::move(reason)};
      return;
    }
    Frame* owner = &frames_.back();
    if (owner->kind != FrameKind::object) {
      owner->failed = true;
      owner = &frames_[frames_.size() - 2];
    }
    owner->errors.push_back(PendingError{field_key(*owner), std::move(path), std::move(reason)});
  }

  Model root_model_;
  void* root_;
  std::string_view secret_;  // redacted from the reasons
  std::vector<Frame> frames_;
  std::size_t skip_depth_ = 0;    // the depth inside a value being skipped, 0 when none
  std::vector<json*> raw_stack_;  // the open containers of a raw member's value
  json* raw_slot_ = nullptr;      // in a raw object: the value for the last key
  std::optional<PendingError> error_;
  std::string parse_error_;
};

template <class T>
T decode_body(std::string_view body, std::string_view secret) {
  T out;
  BodyDecoder decoder(ModelOf<T>::value, &out, secret);
  bool parsed = false;
  try {
    parsed = json::sax_parse(body.begin(), body.end(), &decoder, json::input_format_t::json,
                             /*strict=*/true);
  } catch (const json::exception& e) {
    throw DecodeError("", library_error_reason(e.what(), secret));
  }
  if (!parsed) throw DecodeError("", not_json_reason(decoder.parse_error_message(), secret));
  decoder.throw_if_failed();
  return out;
}

}  // namespace

Job decode_job(std::string_view body, std::string_view secret) {
  return decode_body<Job>(body, secret);
}

DownloadLink decode_download_link(std::string_view body, std::string_view secret) {
  return decode_body<DownloadLinkDraft>(body, secret).finish();
}

std::vector<Job> decode_job_list(std::string_view body, std::string_view secret) {
  return std::move(decode_body<JobListDraft>(body, secret).jobs);
}

}  // namespace pixxel::internal
