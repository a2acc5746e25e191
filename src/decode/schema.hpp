#ifndef PIXXEL_DECODE_SCHEMA_HPP_
#define PIXXEL_DECODE_SCHEMA_HPP_

// The machinery of the field tables. A model's table (Schema<T>, in
// src/models/<family>_schema.hpp beside the other tables of its family) is the one place that
// names its JSON keys: for each key, the member it goes into. Everything else is derived from it:
// - decoding, of answer bodies and of a caller's nlohmann::json (from_json): kTable<T>, the
//   table as the decoder (decoder.cpp) reads it, whatever way the bytes reach the decoder;
// - to_json (write_fields) and operator== (equal_fields), which src/models/<family>.cpp
//   defines for each model with one PIXXEL_MODEL_ADAPTERS line (models/adapters.hpp).
// A member's C++ type picks its rule (field_rules.hpp), so an entry names a key and a member
// and nothing else:
//
//   template <>
//   struct Schema<Widget> {
//     static constexpr std::tuple fields{
//         field<&Widget::id>("id"),        // std::string
//         field<&Widget::size>("size"),    // std::int64_t
//         field<&Widget::parts>("parts"),  // std::vector<Part>
//     };
//   };
//
// to_json writes the entries in table order (nlohmann's objects sort their keys anyway), and
// operator== compares the members in table order, so a member missing from its table is
// neither written, read nor compared: every member has an entry.
//
// A nested model (Part) needs its own table above the table that uses it. A model with an
// identity names its key, `static constexpr std::string_view identity = "id";`: in an answer
// body, an object without it (absent or null) is a DecodeError at that key, since an answer
// without what it is about is not that model at all (`{"message": "ok"}` is no job); a
// caller's own value (from_json) may leave it out. `identity_or` names a key whose presence
// stands in for it (a wrapper holding the model).
//
// Where the server spells an answer in more than one way, the model decodes through a draft
// (Draft<T>): a struct derived from the model with a member for each other spelling, whose
// table extends the model's (extend()) instead of repeating it, and whose finish() makes the
// model of it. Another spelling of a key is declared with spelling<>(), which records the key
// it stands for. Not public API.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pixxel::internal {

// How a member reads its value; the member's type picks it.
enum class Rule : std::uint8_t {
  string,   // std::string: read_string
  integer,  // std::int64_t: read_int
  number,   // double: read_progress
  raw,      // nlohmann::json: any value, kept as it arrived
  strings,  // std::vector<std::string>: an array of what read_string takes, without nulls
  object,   // a model with a table: an object, or null for the default
  objects,  // std::vector of a model with a table: an array of objects, or null
};

struct Table;

// One entry of a table as the decoder reads it, made from a table's field<>() entry.
struct Field {
  std::string_view key;
  Rule rule;
  std::int16_t spelling_of;      // another spelling: the index of the key it stands for, or -1
  void* (*member)(void* model);  // the member, in a model of the table's type
  void (*reset)(void* model);    // gives the member its default back (a repeated key)
  const Table* nested;           // object and objects: the nested model's table
};

// The elements of an array of models while the decoder reads them.
class ElementBuffer {
 public:
  virtual ~ElementBuffer() = default;
  // Appends a default element and returns it.
  virtual void* emplace() = 0;
  // Moves the elements to the end of the std::vector of them at `vector`.
  virtual void move_into(void* vector) = 0;
};

// A model's table as the decoder uses it: kTable<T>.
struct Table {
  const Field* fields;
  std::size_t count;
  std::unique_ptr<ElementBuffer> (*new_elements)();
  int identity = -1;     // the field an object must have (Schema<T>::identity), or -1
  int identity_or = -1;  // a field whose presence stands in for it, or -1
};

// Schema<T>::fields is the table of T: a tuple of field<>() (and, in a draft's table,
// spelling<>()) entries. Each model specialises it in its family's table file.
template <class T>
struct Schema {};

// An entry: JSON key `key` goes into member M.
template <auto M>
struct FieldEntry {
  std::string_view key;
};

// An entry for another spelling of a key: `key` goes into the draft's member M, and stands
// for the key of the model's member Of.
template <auto M, auto Of>
struct SpellingEntry {
  std::string_view key;
};

// The entry for JSON key `key` and member M, e.g. field<&Job::cost>("cost").
template <auto M>
constexpr FieldEntry<M> field(std::string_view key) {
  return {key};
}

// The entry for `key`, another spelling of the key of member Of, read into member M of a
// draft, e.g. spelling<&DownloadLinkDraft::camel_workflow_id, &DownloadLink::workflow_id>(
// "workflowId"): the draft's finish() chooses between the two.
template <auto M, auto Of>
constexpr SpellingEntry<M, Of> spelling(std::string_view key) {
  return {key};
}

// A draft's table: the entries of its model's table `base`, then its own.
template <class Base, class... Entries>
constexpr auto extend(const Base& base, Entries... entries) {
  return std::tuple_cat(base, std::make_tuple(entries...));
}

// A model whose keys do not map one to one onto its members decodes into a draft with a
// table of its own, and Draft<T>::finish makes the model of it. Most models are their own
// draft.
template <class T>
struct Draft {
  using type = T;
  static T finish(T&& draft) { return std::move(draft); }
};

namespace schema_detail {

template <class T, class = void>
struct HasTable : std::false_type {};
template <class T>
struct HasTable<T, std::void_t<decltype(Schema<T>::fields)>> : std::true_type {};

template <class T>
using Entries = std::decay_t<decltype(Schema<T>::fields)>;

template <class T>
constexpr std::size_t kEntryCount = std::tuple_size_v<Entries<T>>;

// A std::vector grown one element at a time ends with up to twice the room it needs, and
// holds old and new storage at once while growing; a deque never moves its elements, so they
// go into an exact-size vector at the end.
template <class T>
class DequeBuffer final : public ElementBuffer {
 public:
  void* emplace() override { return &elements_.emplace_back(); }

  void move_into(void* vector) override {
    auto& out = *static_cast<std::vector<T>*>(vector);
    out.reserve(out.size() + elements_.size());
    while (!elements_.empty()) {
      out.push_back(std::move(elements_.front()));
      elements_.pop_front();
    }
  }

 private:
  std::deque<T> elements_;
};

template <class T>
std::unique_ptr<ElementBuffer> new_elements() {
  return std::make_unique<DequeBuffer<T>>();
}

template <class T, class = void>
struct HasIdentity : std::false_type {};
template <class T>
struct HasIdentity<T, std::void_t<decltype(Schema<T>::identity)>> : std::true_type {};
template <class T, class = void>
struct HasIdentityOr : std::false_type {};
template <class T>
struct HasIdentityOr<T, std::void_t<decltype(Schema<T>::identity_or)>> : std::true_type {};

template <class M>
struct MemberPointer;
template <class C, class V>
struct MemberPointer<V C::*> {
  using Class = C;
  using Value = V;
};

template <class T>
struct VectorOf {
  using Element = void;
};
template <class T>
struct VectorOf<std::vector<T>> {
  using Element = T;
};

// `model` points at an Owner: the member's class, or a draft derived from it.
template <auto M, class Owner>
void* member_of(void* model) {
  return &(static_cast<Owner*>(model)->*M);
}

// The member's default is the one its model's definition gives it.
template <auto M, class Owner>
void reset_member(void* model) {
  using Class = typename MemberPointer<decltype(M)>::Class;
  static const Class defaults{};
  static_cast<Owner*>(model)->*M = defaults.*M;
}

template <class V>
constexpr Rule rule_for() {
  using Element = typename VectorOf<V>::Element;
  if constexpr (std::is_same_v<V, std::string>) {
    return Rule::string;
  } else if constexpr (std::is_same_v<V, std::int64_t>) {
    return Rule::integer;
  } else if constexpr (std::is_same_v<V, double>) {
    return Rule::number;
  } else if constexpr (std::is_same_v<V, nlohmann::json>) {
    return Rule::raw;
  } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
    return Rule::strings;
  } else if constexpr (HasTable<V>::value) {
    return Rule::object;
  } else {
    static_assert(HasTable<Element>::value,
                  "no rule reads this member's type: a nested model needs its Schema<> above "
                  "the table that uses it");
    return Rule::objects;
  }
}

template <class V>
constexpr const Table* nested_table();

// The index in T's table of the field<>() entry of member Of, or -1.
template <class T, auto Of, std::size_t... I>
constexpr int index_of_member(std::index_sequence<I...> /*indices*/) {
  int found = -1;
  static_cast<void>(((std::is_same_v<std::tuple_element_t<I, Entries<T>>, FieldEntry<Of>>
                          ? (found = static_cast<int>(I), true)
                          : false) ||
                     ...));
  return found;
}

// The decoder's view of an entry of Owner's table.
template <class Owner, auto M>
constexpr Field erase(FieldEntry<M> entry) {
  using Class = typename MemberPointer<decltype(M)>::Class;
  using Value = typename MemberPointer<decltype(M)>::Value;
  static_assert(std::is_base_of_v<Class, Owner>, "an entry names a member of its table's model");
  return Field{entry.key,
               rule_for<Value>(),
               -1,
               &member_of<M, Owner>,
               &reset_member<M, Owner>,
               nested_table<Value>()};
}

template <class Owner, auto M, auto Of>
constexpr Field erase(SpellingEntry<M, Of> entry) {
  constexpr int kOf = index_of_member<Owner, Of>(std::make_index_sequence<kEntryCount<Owner>>{});
  static_assert(kOf >= 0, "a spelling stands for a member with a field<>() entry in its table");
  Field out = erase<Owner>(FieldEntry<M>{entry.key});
  out.spelling_of = static_cast<std::int16_t>(kOf);
  return out;
}

template <class T, std::size_t... I>
constexpr std::array<Field, sizeof...(I)> erase_all(std::index_sequence<I...> /*indices*/) {
  return {{erase<T>(std::get<I>(Schema<T>::fields))...}};
}

template <class T>
inline constexpr std::array<Field, kEntryCount<T>> kFields =
    erase_all<T>(std::make_index_sequence<kEntryCount<T>>{});

template <class T>
constexpr int index_of(std::string_view key) {
  for (std::size_t i = 0; i < kFields<T>.size(); ++i) {
    if (kFields<T>[i].key == key) return static_cast<int>(i);
  }
  return -1;
}

template <class T>
constexpr bool keys_unique() {
  for (std::size_t i = 0; i < kFields<T>.size(); ++i) {
    for (std::size_t j = i + 1; j < kFields<T>.size(); ++j) {
      if (kFields<T>[i].key == kFields<T>[j].key) return false;
    }
  }
  return true;
}

template <class T>
constexpr Table make_table() {
  constexpr std::size_t kCount = kEntryCount<T>;
  static_assert(kCount <= 64, "the decoder marks the keys it has met in 64 bits");
  static_assert(keys_unique<T>(), "a key appears once in its table");
  int identity = -1;
  int identity_or = -1;
  if constexpr (HasIdentity<T>::value) {
    constexpr int kIdentity = index_of<T>(Schema<T>::identity);
    static_assert(kIdentity >= 0, "Schema<T>::identity names a key of the table");
    identity = kIdentity;
  }
  if constexpr (HasIdentityOr<T>::value) {
    constexpr int kIdentityOr = index_of<T>(Schema<T>::identity_or);
    static_assert(kIdentityOr >= 0, "Schema<T>::identity_or names a key of the table");
    identity_or = kIdentityOr;
  }
  return Table{kFields<T>.data(), kCount, &new_elements<T>, identity, identity_or};
}

}  // namespace schema_detail

// T's table as the decoder reads it.
template <class T>
inline constexpr Table kTable = schema_detail::make_table<T>();

namespace schema_detail {

template <class V>
constexpr const Table* nested_table() {
  using Element = typename VectorOf<V>::Element;
  if constexpr (HasTable<V>::value) {
    return &kTable<V>;
  } else if constexpr (HasTable<Element>::value) {
    return &kTable<Element>;
  } else {
    return nullptr;
  }
}

template <class T, auto M>
void write_entry(nlohmann::json& out, const T& model, const FieldEntry<M>& entry) {
  out[std::string(entry.key)] = model.*M;
}

template <class T, auto M>
bool equal_entry(const T& a, const T& b, const FieldEntry<M>& /*entry*/) {
  return a.*M == b.*M;
}

}  // namespace schema_detail

// to_json of a model: every entry of its table, under its key.
template <class T>
void write_fields(nlohmann::json& j, const T& model) {
  nlohmann::json out(nlohmann::json::value_t::object);
  std::apply([&](const auto&... entry) { (schema_detail::write_entry(out, model, entry), ...); },
             Schema<T>::fields);
  j = std::move(out);
}

// operator== of a model: the members of its table, in table order.
template <class T>
bool equal_fields(const T& a, const T& b) {
  return std::apply(
      [&](const auto&... entry) { return (schema_detail::equal_entry(a, b, entry) && ...); },
      Schema<T>::fields);
}

}  // namespace pixxel::internal

#endif  // PIXXEL_DECODE_SCHEMA_HPP_
