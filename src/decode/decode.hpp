#ifndef PIXXEL_DECODE_DECODE_HPP_
#define PIXXEL_DECODE_DECODE_HPP_

// Decoding of answer bodies, and of a caller's nlohmann::json, into models. Not public API.
//
// One decoder does both (decoder.cpp): a handler of nlohmann's SAX events that reads each
// value straight into its member through the model's table (the machinery in
// decode/schema.hpp, the tables in src/models/<family>_schema.hpp). Bytes reach it through
// nlohmann's parser; a nlohmann::json, through a walk over the value that produces the same
// events. So the two accept the same values and fail with the same DecodeError,
// path and reason alike, by construction.
//
// Both throw pixxel::DecodeError: with an empty path when the body is not JSON or not an
// object, with the JSON path of the offending value otherwise, e.g. "tasks[3].progress".
// Every spelling of `secret` (the API key, which an answer may echo) is redacted from an
// error's text before the text is clipped.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "decode/schema.hpp"
#include "models/schemas.hpp"  // every Draft<>, for decode_body and decode_value
#include "pixxel/models.hpp"

namespace pixxel::internal {

// Decode `body`, or `value`, into `*out`, a default-constructed model of `table`'s type.
// Bodies are answers: an object without its model's identity fails (see schema.hpp) unless
// `require_identity` is false (tests of the other rules only).
void decode_bytes(std::string_view body, const Table& table, void* out, std::string_view secret,
                  bool require_identity = true);
void decode_json(const nlohmann::json& value, const Table& table, void* out);

// The model T (one with a table, or a draft) decoded from an answer body. Only the raw
// members (`spec`, `inputs`, ...) get a DOM, of their own subtree, so memory stays near the
// size of the result.
template <class T>
T decode_body(std::string_view body, std::string_view secret = {}, bool require_identity = true) {
  using D = typename Draft<T>::type;
  D draft;
  decode_bytes(body, kTable<D>, &draft, secret, require_identity);
  return Draft<T>::finish(std::move(draft));
}

// An answer body decoded as it arrives, piece by piece, into `*out` (as decode_bytes): the
// same model, or the same DecodeError, as decode_bytes gives for all the pieces at once,
// since the push parser (push_parser.hpp) gives the decoder the events nlohmann's parser
// would. Nothing of the body is kept but what the model keeps. Not thread-safe.
class BodyDecodeSession {
 public:
  BodyDecodeSession(const Table& table, void* out, std::string_view secret,
                    bool require_identity = true);
  ~BodyDecodeSession();
  BodyDecodeSession(const BodyDecodeSession&) = delete;
  BodyDecodeSession& operator=(const BodyDecodeSession&) = delete;

  // The next piece of the body. Never throws a decode error: as with decode_bytes, a syntax
  // error anywhere beats any decode error, so errors wait for finish().
  void feed(std::string_view piece);
  // The body is complete: throws DecodeError when it did not decode.
  void finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The model T (one with a table, or a draft) decoded from an answer that arrives in pieces:
// what decode_body<T> gives for the whole.
template <class T>
class BodyDecode {
 public:
  explicit BodyDecode(std::string_view secret) : session_(kTable<D>, &draft_, secret) {}
  void feed(std::string_view piece) { session_.feed(piece); }
  T finish() {
    session_.finish();
    return Draft<T>::finish(std::move(draft_));
  }

 private:
  using D = typename Draft<T>::type;
  D draft_;  // before the session, which holds its address
  BodyDecodeSession session_;
};

// The model T decoded from a caller's value: what from_json gives. Unlike an answer, the value
// may leave a model's identity (its "id") out.
template <class T>
T decode_value(const nlohmann::json& value) {
  using D = typename Draft<T>::type;
  D draft;
  decode_json(value, kTable<D>, &draft);
  return Draft<T>::finish(std::move(draft));
}

// The answers of the calls, each defined beside its models (src/models/<family>.cpp).
//
// The answers of the jobs calls.
Job decode_job(std::string_view body, std::string_view secret = {});
DownloadLink decode_download_link(std::string_view body, std::string_view secret = {});
// The body is {"jobs": [...]}; a missing or null "jobs" gives an empty list. Paths look like
// "jobs[2].tasks[0].progress".
std::vector<Job> decode_job_list(std::string_view body, std::string_view secret = {});

// The answers of the workflow and project calls.
CostEstimate decode_cost_estimate(std::string_view body, std::string_view secret = {});
WorkflowPage decode_workflow_page(std::string_view body, std::string_view secret = {});
Workflow decode_workflow(std::string_view body, std::string_view secret = {});
ProjectPage decode_project_page(std::string_view body, std::string_view secret = {});
Project decode_project(std::string_view body, std::string_view secret = {});

// The answer of /ping: a JSON string's value (what Pixxel's reference documents), else the
// body's text as it came, trimmed of surrounding whitespace. Never throws.
std::string decode_ping(std::string_view body, std::string_view secret = {});

}  // namespace pixxel::internal

#endif  // PIXXEL_DECODE_DECODE_HPP_
