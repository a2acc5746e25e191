// The decoder: one handler of nlohmann's SAX events reads values straight into the models
// through their tables (schema.hpp). Answer bodies reach it through nlohmann's SAX parser, or,
// while they arrive, through the push parser that gives the same events (push_parser.hpp;
// BodyDecodeSession), so no DOM of the whole body is ever built (a DOM costs 5-10 times the text);
// only the raw members (`spec`, `inputs`, `result`, `info_logs`), which keep any JSON value, get a
// DOM, of their own subtree. A caller's nlohmann::json (from_json) reaches it through walk(), which
// produces the events the parser would for the value's text.
//
// A body must decode exactly as its parsed DOM does, errors included, which shapes the design:
// - A DOM object keeps the last value of a duplicate key, so a later duplicate resets the
//   member and withdraws any error the earlier value caused.
// - A DOM object lists its members in key order (nlohmann objects are sorted maps), so errors
//   are collected per member and the one with the least key wins when the object closes; in
//   an array the first failing element wins.
// - The body is parsed before anything is decoded, so a syntax error anywhere beats any decode
//   error: decode errors are only thrown once the parse has succeeded.
// Nesting is tracked on explicit stacks (frames_, raw_stack_, skip_depth_, and walk()'s), never
// on the C stack, so any depth nlohmann's parser accepts is safe.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "decode/decode.hpp"
#include "decode/field_rules.hpp"
#include "decode/push_parser.hpp"
#include "decode/schema.hpp"
#include "pixxel/errors.hpp"
#include "text.hpp"

namespace pixxel::internal {
namespace {

using json = nlohmann::json;
using Kind = ValueView::Kind;

// The parser builds each string in one reused buffer. Copying a short string out gives the
// member an exact-size allocation and leaves the buffer's capacity for the next string;
// taking the buffer of a long one saves copying it, at the price of some slack capacity.
constexpr std::size_t kTakeStringsFrom = 1024;

constexpr int kUnknownField = -1;

// The index of `key` in the table, or kUnknownField. Keys are few and short, so a scan beats
// hashing, and allocates nothing. It starts at `first`: bodies tend to list keys in one order,
// so a decoder that passes the index after the previous key's mostly hits at once.
int find_field(const Table& table, std::string_view key, std::size_t first) {
  const std::size_t count = table.count;
  if (first >= count) first = 0;
  for (std::size_t n = 0, i = first; n < count; ++n, i = i + 1 == count ? 0 : i + 1) {
    const std::string_view candidate = table.fields[i].key;
    if (candidate.size() == key.size() &&
        std::char_traits<char>::compare(candidate.data(), key.data(), key.size()) == 0) {
      return static_cast<int>(i);
    }
  }
  return kUnknownField;
}

std::string take_string(ValueView& v) {
  return v.movable_string != nullptr ? std::move(*v.movable_string) : std::string(v.string);
}

struct PendingError {
  std::string_view key;  // the member the error is in, to rank errors in a DOM's key order
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
  bool failed = false;               // arrays: an element failed, so the rest is not decoded
  int field = kUnknownField;         // object: the member whose value comes next
  std::uint64_t met = 0;             // object: the fields whose key has come, one bit each
  std::size_t elements = 0;          // arrays: the elements begun so far
  const Table* table = nullptr;      // object: the model's; objects: the element model's
  void* target = nullptr;            // the model, or the std::vector the array decodes into
  std::vector<PendingError> errors;  // object: the errors of its members, at most one each
  std::unique_ptr<ElementBuffer> elements_read;  // objects: the elements, until the array closes
};

// The SAX handler (see nlohmann::json_sax). It never stops the parse early: the parser must
// see every byte, as a syntax error anywhere takes precedence over decode errors.
class Decoder {
 public:
  // `require_identity`: an object without its model's identity fails (answers); a caller's
  // own value (from_json) may leave it out.
  Decoder(const Table& root_table, void* root, std::string_view secret, bool require_identity)
      : root_table_(&root_table),
        root_(root),
        secret_(secret),
        require_identity_(require_identity) {
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

  // A scalar of a caller's value (walk()), whose strings are copied, never taken.
  bool value(ValueView& v) { return scalar(v); }

  // JSON text has no binary values, but a caller's nlohmann::json may hold one.
  bool binary(json::binary_t& b) {
    ValueView v;
    v.kind = Kind::binary;
    binary_ = &b;
    scalar(v);
    binary_ = nullptr;
    return true;
  }

  bool start_object(std::size_t /*elements*/) { return open(Kind::object); }
  bool start_array(std::size_t /*elements*/) { return open(Kind::array); }

  bool key(json::string_t& k) { return member_key(k, k.size() >= kTakeStringsFrom ? &k : nullptr); }

  // A key of a caller's value (walk()).
  bool key_of_value(const std::string& k) { return member_key(k, nullptr); }

  bool end_object() { return close(); }
  bool end_array() { return close(); }

  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const Exception& e) {
    parse_error_ = e.what();
    return false;
  }

  const std::string& parse_error_message() const { return parse_error_; }

  // Whether the value just begun is being skipped: then nothing inside it matters.
  bool skipping() const { return skip_depth_ > 0; }

  // The error of the value, if any: at each level, the one a DOM's key order puts first.
  void throw_if_failed() {
    if (error_) throw DecodeError(std::move(error_->path), std::move(error_->reason));
  }

 private:
  bool member_key(std::string_view k, std::string* movable) {
    if (skip_depth_ > 0) return true;
    if (!raw_stack_.empty()) {
      auto& object = *raw_stack_.back()->get_ptr<json::object_t*>();
      // operator[] keeps the last value of a duplicate key, as nlohmann's DOM parser does.
      ValueView v;
      v.string = k;
      v.movable_string = movable;
      raw_slot_ = &object[take_string(v)];
      return true;
    }
    Frame& top = frames_.back();
    top.field = begin_member(top, k);
    return true;
  }

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
        if (top.field != kUnknownField) scalar_member(top, v);
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
        // repeated keys and syntax errors play out as for any other.
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
        push(FrameKind::object, root_table_, root_);
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
          open_member(top, v);
        }
        break;
      case FrameKind::objects:
        if (top.failed) {
          skip_depth_ = 1;
          break;
        }
        ++top.elements;
        if (kind == Kind::object) {
          const Table* table = top.table;
          push(FrameKind::object, table, top.elements_read->emplace());
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
    if (top.kind == FrameKind::objects) top.elements_read->move_into(top.target);
    if (top.kind == FrameKind::object) check_identity(top);
    std::vector<PendingError>& errors = top.errors;
    if (errors.empty()) {
      frames_.pop_back();
      return true;
    }
    // A DOM lists members in key order: the failing member with the least key is reported.
    const auto first = std::min_element(
        errors.begin(), errors.end(),
        [](const PendingError& a, const PendingError& b) { return a.key < b.key; });
    std::string path = std::move(first->path);
    std::string reason = std::move(first->reason);
    frames_.pop_back();
    report(std::move(path), std::move(reason));
    return true;
  }

  void push(FrameKind kind, const Table* table, void* target) {
    Frame& frame = frames_.emplace_back();
    frame.kind = kind;
    frame.table = table;
    frame.target = target;
    if (kind == FrameKind::objects) frame.elements_read = table->new_elements();
  }

  static bool has(const Frame& frame, int field) {
    return field >= 0 && (frame.met & (std::uint64_t{1} << field)) != 0;
  }

  // An object without its model's identity is not that model (see schema.hpp).
  void check_identity(Frame& top) {
    const int identity = top.table->identity;
    if (!require_identity_ || identity < 0 || has(top, identity) ||
        has(top, top.table->identity_or))
      return;
    top.field = identity;
    report(current_path(), "missing: an answer without its `" +
                               std::string(top.table->fields[identity].key) +
                               "` is not what was asked for");
  }

  int begin_member(Frame& top, std::string_view key) {
    const int field = find_field(*top.table, key, static_cast<std::size_t>(top.field + 1));
    if (field == kUnknownField) return field;
    const std::uint64_t bit = std::uint64_t{1} << field;
    if ((top.met & bit) == 0) {
      top.met |= bit;
      return field;
    }
    // A duplicate key replaces the earlier value, and with it the earlier value's error.
    const Field& spec = top.table->fields[field];
    std::vector<PendingError>& errors = top.errors;
    errors.erase(std::remove_if(errors.begin(), errors.end(),
                                [&](const PendingError& e) { return e.key == spec.key; }),
                 errors.end());
    spec.reset(top.target);
    return field;
  }

  // A scalar value arrives for the member of the top frame.
  void scalar_member(Frame& top, ValueView& v) {
    const Field& spec = top.table->fields[top.field];
    void* member = spec.member(top.target);
    const char* expected = nullptr;
    switch (spec.rule) {
      case Rule::string:
        expected = read_string(v, *static_cast<std::string*>(member));
        // A null identity is no identity: as if the key had not come.
        if (v.kind == Kind::null && top.field == top.table->identity) {
          top.met &= ~(std::uint64_t{1} << top.field);
        }
        break;
      case Rule::integer:
        expected = read_int(v, *static_cast<std::int64_t*>(member));
        break;
      case Rule::number:
        expected = read_progress(v, *static_cast<double*>(member));
        break;
      case Rule::raw:
        *static_cast<json*>(member) = raw_value(v);
        break;
      case Rule::object:
        if (v.kind != Kind::null) expected = kExpectObject;
        break;
      case Rule::strings:
      case Rule::objects:
        if (v.kind != Kind::null) expected = kExpectArray;
        break;
    }
    if (expected != nullptr) fail(expected, v);
  }

  // An object or an array begins for the member of the top frame.
  void open_member(Frame& top, ValueView& v) {
    const Field& spec = top.table->fields[top.field];
    void* member = spec.member(top.target);
    switch (spec.rule) {
      case Rule::raw: {
        json& out = *static_cast<json*>(member);
        out = json(container_type(v.kind));
        raw_stack_.push_back(&out);
        return;
      }
      case Rule::strings:
        if (v.kind == Kind::array) {
          push(FrameKind::strings, nullptr, member);
          return;
        }
        break;
      case Rule::object:
        if (v.kind == Kind::object) {
          push(FrameKind::object, spec.nested, member);
          return;
        }
        break;
      case Rule::objects:
        if (v.kind == Kind::array) {
          push(FrameKind::objects, spec.nested, member);
          return;
        }
        break;
      case Rule::string:
      case Rule::integer:
      case Rule::number:
        break;
    }
    scalar_member(top, v);  // the rules reject this container
    skip_depth_ = 1;
  }

  // Raw members: a DOM of their subtree -------------------------------------------------

  static json::value_t container_type(Kind kind) {
    return kind == Kind::object ? json::value_t::object : json::value_t::array;
  }

  json raw_value(ValueView& v) {
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
      case Kind::binary:
        return json(std::move(*binary_));
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

  static std::string_view field_key(const Frame& frame) {
    return frame.table->fields[frame.field].key;
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

  const Table* root_table_;
  void* root_;
  std::string_view secret_;  // redacted from the reasons
  bool require_identity_;
  std::vector<Frame> frames_;
  std::size_t skip_depth_ = 0;        // the depth inside a value being skipped, 0 when none
  std::vector<json*> raw_stack_;      // the open containers of a raw member's value
  json* raw_slot_ = nullptr;          // in a raw object: the value for the last key
  json::binary_t* binary_ = nullptr;  // while binary() delivers it: the value
  std::optional<PendingError> error_;
  std::string parse_error_;
};

// Feeds `value` to the decoder as the events the parser would give for its text. Iterative,
// like the decoder: a caller's value may nest deeper than recursion over it would survive.
void walk(const json& value, Decoder& decoder) {
  struct Open {
    const json* container;
    json::const_iterator next;
  };
  std::vector<Open> open;
  const json* pending = &value;  // the value to deliver next, if any
  for (;;) {
    if (pending != nullptr) {
      const json& v = *pending;
      pending = nullptr;
      if (v.is_structured()) {
        const bool object = v.is_object();
        object ? decoder.start_object(v.size()) : decoder.start_array(v.size());
        if (!decoder.skipping()) {
          open.push_back({&v, v.cbegin()});
          continue;
        }
        object ? decoder.end_object() : decoder.end_array();
      } else if (v.is_binary()) {
        json::binary_t copy = v.get_binary();
        decoder.binary(copy);
      } else {
        ValueView view = view_of(v);
        decoder.value(view);
      }
    }
    if (open.empty()) return;
    Open& top = open.back();
    if (top.next == top.container->cend()) {
      top.container->is_object() ? decoder.end_object() : decoder.end_array();
      open.pop_back();
      continue;
    }
    if (top.container->is_object()) decoder.key_of_value(top.next.key());
    pending = &*top.next;
    ++top.next;
  }
}

}  // namespace

void decode_bytes(std::string_view body, const Table& table, void* out, std::string_view secret,
                  bool require_identity) {
  Decoder decoder(table, out, secret, require_identity);
  bool parsed = false;
  try {
    parsed = json::sax_parse(body.begin(), body.end(), &decoder, json::input_format_t::json,
                             /*strict=*/true);
  } catch (const json::exception& e) {
    throw DecodeError("", library_error_reason(e.what(), secret));
  }
  if (!parsed) throw DecodeError("", not_json_reason(decoder.parse_error_message(), secret));
  decoder.throw_if_failed();
}

struct BodyDecodeSession::State {
  State(const Table& table, void* out, std::string_view key, bool require_identity)
      : secret(key), decoder(table, out, secret, require_identity), parser(decoder) {}
  std::string secret;  // the decoder keeps a view of it
  Decoder decoder;
  PushParser<Decoder> parser;
  // A nlohmann exception thrown while decoding: decode_bytes stops the parse there too.
  std::optional<std::string> library_error;
};

BodyDecodeSession::BodyDecodeSession(const Table& table, void* out, std::string_view secret,
                                     bool require_identity)
    : state_(std::make_unique<State>(table, out, secret, require_identity)) {}

BodyDecodeSession::~BodyDecodeSession() = default;

void BodyDecodeSession::feed(std::string_view piece) {
  if (state_->library_error) return;
  try {
    state_->parser.feed(piece.data(), piece.size());
  } catch (const json::exception& e) {
    state_->library_error = e.what();
  }
}

void BodyDecodeSession::finish() {
  State& state = *state_;
  bool parsed = false;
  if (!state.library_error) {
    try {
      parsed = state.parser.finish();
    } catch (const json::exception& e) {
      state.library_error = e.what();
    }
  }
  if (state.library_error) {
    throw DecodeError("", library_error_reason(*state.library_error, state.secret));
  }
  if (!parsed) {
    throw DecodeError("", not_json_reason(state.decoder.parse_error_message(), state.secret));
  }
  state.decoder.throw_if_failed();
}

void decode_json(const nlohmann::json& value, const Table& table, void* out) {
  Decoder decoder(table, out, {}, /*require_identity=*/false);
  // from_json promises DecodeError and nothing else.
  try {
    walk(value, decoder);
  } catch (const json::exception& e) {
    throw DecodeError("", library_error_reason(e.what()));
  }
  decoder.throw_if_failed();
}

std::string decode_ping(std::string_view body, std::string_view /*secret*/) {
  const std::string_view text = trim(body);
  // Only a JSON string is unwrapped, so nothing else is parsed (no depth to guard).
  if (text.size() >= 2 && text.front() == '"') {
    const json value = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (const auto* unwrapped = value.get_ptr<const std::string*>()) return *unwrapped;
  }
  return std::string(text);
}

}  // namespace pixxel::internal
