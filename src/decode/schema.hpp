#ifndef PIXXEL_DECODE_SCHEMA_HPP_
#define PIXXEL_DECODE_SCHEMA_HPP_

// The field tables: for each model, which JSON key goes into which member. A member's C++
// type picks its rule (field_rules.hpp), so an entry names a key and a member and nothing
// else. The decoder (decoder.cpp) reads answer bodies and a caller's nlohmann::json through
// these tables alone, so a new model needs its struct and its table below, and no change to
// the decoder:
//
//   template <>
//   struct Schema<Widget> {
//     static constexpr Field fields[] = {field<&Widget::id>("id"),          // std::string
//                                        field<&Widget::size>("size"),      // std::int64_t
//                                        field<&Widget::parts>("parts")};   // std::vector<Part>
//   };
//
// A nested model (Part) needs its own table above the table that uses it. A model with an
// identity names its key, `static constexpr std::string_view identity = "id";`: in an answer
// body, an object without it (absent or null) is a DecodeError at that key, since an answer
// without what it is about is not that model at all (`{"message": "ok"}` is no job); a
// caller's own value (from_json) may leave it out. `identity_or` names a
// key whose presence stands in for it (a wrapper holding the model). Not public API.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pixxel/models.hpp"

namespace pixxel::internal {

// How a member reads its value; field<>() picks it from the member's type.
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

// One entry of a table, made by field<>().
struct Field {
  std::string_view key;
  Rule rule;
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

// Schema<T>::fields is the table of T; each model specialises it below.
template <class T>
struct Schema {};

namespace schema_detail {

template <class T, class = void>
struct HasTable : std::false_type {};
template <class T>
struct HasTable<T, std::void_t<decltype(Schema<T>::fields)>> : std::true_type {};

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

template <class T>
constexpr int index_of(std::string_view key) {
  for (std::size_t i = 0; i < std::size(Schema<T>::fields); ++i) {
    if (Schema<T>::fields[i].key == key) return static_cast<int>(i);
  }
  return -2;  // fails the static_assert below
}

template <class T>
constexpr Table make_table() {
  constexpr std::size_t kCount = std::size(Schema<T>::fields);
  static_assert(kCount <= 64, "the decoder marks the keys it has met in 64 bits");
  int identity = -1;
  int identity_or = -1;
  if constexpr (HasIdentity<T>::value) identity = index_of<T>(Schema<T>::identity);
  if constexpr (HasIdentityOr<T>::value) identity_or = index_of<T>(Schema<T>::identity_or);
  return Table{Schema<T>::fields, kCount, &new_elements<T>, identity, identity_or};
}

}  // namespace schema_detail

template <class T>
inline constexpr Table kTable = schema_detail::make_table<T>();

namespace schema_detail {

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

}  // namespace schema_detail

// The entry for JSON key `key` and member M, e.g. field<&Job::cost>("cost"). A draft that
// derives from its model names itself as Owner for the members it inherits, since the decoder
// hands every entry a pointer to the draft.
template <auto M, class Owner = typename schema_detail::MemberPointer<decltype(M)>::Class>
constexpr Field field(std::string_view key) {
  using Value = typename schema_detail::MemberPointer<decltype(M)>::Value;
  return Field{key, schema_detail::rule_for<Value>(), &schema_detail::member_of<M, Owner>,
               &schema_detail::reset_member<M, Owner>, schema_detail::nested_table<Value>()};
}

// A model whose keys do not map one to one onto its members decodes into a draft with a
// table of its own, and Draft<T>::finish makes the model of it. Most models are their own
// draft.
template <class T>
struct Draft {
  using type = T;
  static T finish(T&& draft) { return std::move(draft); }
};

// The tables -----------------------------------------------------------------------------------

template <>
struct Schema<BlockInfo> {
  static constexpr Field fields[] = {field<&BlockInfo::id>("id"), field<&BlockInfo::name>("name"),
                                     field<&BlockInfo::version>("version")};
};

template <>
struct Schema<ValError> {
  static constexpr Field fields[] = {
      field<&ValError::from>("from"), field<&ValError::to>("to"), field<&ValError::err>("err"),
      field<&ValError::reason>("reason"), field<&ValError::component_name>("component_name")};
};

template <>
struct Schema<Task> {
  static constexpr Field fields[] = {
      field<&Task::id>("id"),
      field<&Task::info_logs>("info_logs"),
      field<&Task::created_at>("created_at"),
      field<&Task::updated_at>("updated_at"),
      field<&Task::finished_at>("finished_at"),
      field<&Task::estimated_time_duration>("estimated_time_duration"),
      field<&Task::time_taken>("time_taken"),
      field<&Task::status>("status"),
      field<&Task::state_msg>("state_msg"),
      field<&Task::inputs>("inputs"),
      field<&Task::result>("result"),
      field<&Task::depends_on>("depends_on"),
      field<&Task::name>("name"),
      field<&Task::progress>("progress"),
      field<&Task::disclaimer>("disclaimer"),
      field<&Task::recv_time>("recv_time"),
      field<&Task::send_time>("send_time"),
      field<&Task::block_inf_start_time>("block_inf_start_time"),
      field<&Task::block_inf_end_time>("block_inf_end_time"),
      field<&Task::block_info>("block_info"),
      field<&Task::err_msg>("err_msg"),
      field<&Task::failure_type>("failure_type")};
};

template <>
struct Schema<Job> {
  static constexpr std::string_view identity = "id";
  static constexpr Field fields[] = {field<&Job::created_by>("created_by"),
                                     field<&Job::status>("status"),
                                     field<&Job::time_taken>("time_taken"),
                                     field<&Job::id>("id"),
                                     field<&Job::tasks>("tasks"),
                                     field<&Job::val_errors>("val_errors"),
                                     field<&Job::spec>("spec"),
                                     field<&Job::cost>("cost"),
                                     field<&Job::workflow_id>("workflow_id"),
                                     field<&Job::updated_at>("updated_at"),
                                     field<&Job::finished_at>("finished_at"),
                                     field<&Job::exec_created_at>("exec_created_at"),
                                     field<&Job::exec_updated_at>("exec_updated_at"),
                                     field<&Job::created_at>("created_at"),
                                     field<&Job::estimated_duration>("estimated_duration"),
                                     field<&Job::progress>("progress")};
};

// The job answer spells the workflow id `workflowId`, the task answer `workflow_id`; the link
// keeps `workflow_id` unless it is empty, whichever key came first.
struct DownloadLinkDraft {
  std::string id;
  std::string status;
  std::string signed_url;
  std::string workflow_id;
  std::string camel_workflow_id;
  std::string job_id;
};

template <>
struct Schema<DownloadLinkDraft> {
  static constexpr std::string_view identity = "id";
  static constexpr Field fields[] = {field<&DownloadLinkDraft::id>("id"),
                                     field<&DownloadLinkDraft::status>("status"),
                                     field<&DownloadLinkDraft::signed_url>("signed_url"),
                                     field<&DownloadLinkDraft::workflow_id>("workflow_id"),
                                     field<&DownloadLinkDraft::camel_workflow_id>("workflowId"),
                                     field<&DownloadLinkDraft::job_id>("job_id")};
};

template <>
struct Draft<DownloadLink> {
  using type = DownloadLinkDraft;
  static DownloadLink finish(DownloadLinkDraft&& d) {
    return DownloadLink{
        std::move(d.id), std::move(d.status), std::move(d.signed_url),
        d.workflow_id.empty() ? std::move(d.camel_workflow_id) : std::move(d.workflow_id),
        std::move(d.job_id)};
  }
};

// The body of a job list: {"jobs": [...]}.
struct JobListDraft {
  std::vector<Job> jobs;
};

template <>
struct Schema<JobListDraft> {
  static constexpr Field fields[] = {field<&JobListDraft::jobs>("jobs")};
};

template <>
struct Schema<CostEstimate> {
  static constexpr Field fields[] = {field<&CostEstimate::estimated_cost>("estimated_cost")};
};

template <>
struct Schema<WorkflowSummary> {
  static constexpr std::string_view identity = "id";
  static constexpr Field fields[] = {
      field<&WorkflowSummary::id>("id"),
      field<&WorkflowSummary::project_id>("project_id"),
      field<&WorkflowSummary::legacy_project_id>("legacy_project_id"),
      field<&WorkflowSummary::name>("name"),
      field<&WorkflowSummary::created_by>("created_by"),
      field<&WorkflowSummary::description>("description"),
      field<&WorkflowSummary::created_at>("created_at"),
      field<&WorkflowSummary::updated_at>("updated_at")};
};

template <>
struct Schema<Workflow> {
  static constexpr std::string_view identity = "id";
  static constexpr Field fields[] = {field<&Workflow::id>("id"),
                                     field<&Workflow::estimated_cost>("estimated_cost"),
                                     field<&Workflow::name>("name"),
                                     field<&Workflow::created_by>("created_by"),
                                     field<&Workflow::description>("description"),
                                     field<&Workflow::spec>("spec"),
                                     field<&Workflow::created_at>("created_at"),
                                     field<&Workflow::updated_at>("updated_at"),
                                     field<&Workflow::val_errors>("val_errors"),
                                     field<&Workflow::project_id>("project_id")};
};

template <>
struct Schema<Pagination> {
  static constexpr Field fields[] = {field<&Pagination::limit>("limit"),
                                     field<&Pagination::offset>("offset"),
                                     field<&Pagination::total>("total")};
};

template <>
struct Schema<WorkflowPage> {
  static constexpr Field fields[] = {field<&WorkflowPage::workflows>("workflows"),
                                     field<&WorkflowPage::pagination>("pagination")};
};

template <>
struct Schema<Project> {
  static constexpr std::string_view identity = "id";
  static constexpr Field fields[] = {field<&Project::id>("id"),
                                     field<&Project::name>("name"),
                                     field<&Project::title>("title"),
                                     field<&Project::org_id>("org_id"),
                                     field<&Project::description>("description"),
                                     field<&Project::members_count>("members_count"),
                                     field<&Project::created_at>("created_at"),
                                     field<&Project::updated_at>("updated_at"),
                                     field<&Project::metadata>("metadata")};
};

// Pixxel's reference wraps a project as {"project": {...}}, its guide answers the bare
// object: the draft reads both, and the wrapped one wins when it holds anything.
struct ProjectDraft : Project {
  Project wrapped;
};

template <>
struct Schema<ProjectDraft> {
  static constexpr std::string_view identity = "id";
  static constexpr std::string_view identity_or = "project";
  static constexpr Field fields[] = {
      field<&ProjectDraft::id, ProjectDraft>("id"),
      field<&ProjectDraft::name, ProjectDraft>("name"),
      field<&ProjectDraft::title, ProjectDraft>("title"),
      field<&ProjectDraft::org_id, ProjectDraft>("org_id"),
      field<&ProjectDraft::description, ProjectDraft>("description"),
      field<&ProjectDraft::members_count, ProjectDraft>("members_count"),
      field<&ProjectDraft::created_at, ProjectDraft>("created_at"),
      field<&ProjectDraft::updated_at, ProjectDraft>("updated_at"),
      field<&ProjectDraft::metadata, ProjectDraft>("metadata"),
      field<&ProjectDraft::wrapped, ProjectDraft>("project")};
};

template <>
struct Draft<Project> {
  using type = ProjectDraft;
  static Project finish(ProjectDraft&& d) {
    if (d.wrapped != Project{}) return std::move(d.wrapped);
    return std::move(static_cast<Project&>(d));
  }
};

// The total of a project listing: `count` (reference) or `pagination.total` (guide).
struct ProjectPageDraft {
  std::vector<Project> projects;
  std::int64_t count = 0;
  Pagination pagination;
};

template <>
struct Schema<ProjectPageDraft> {
  static constexpr Field fields[] = {field<&ProjectPageDraft::projects>("projects"),
                                     field<&ProjectPageDraft::count>("count"),
                                     field<&ProjectPageDraft::pagination>("pagination")};
};

template <>
struct Draft<ProjectPage> {
  using type = ProjectPageDraft;
  static ProjectPage finish(ProjectPageDraft&& d) {
    return ProjectPage{std::move(d.projects), d.count != 0 ? d.count : d.pagination.total};
  }
};

}  // namespace pixxel::internal

#endif  // PIXXEL_DECODE_SCHEMA_HPP_
