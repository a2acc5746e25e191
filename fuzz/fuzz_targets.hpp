#ifndef PIXXEL_FUZZ_FUZZ_TARGETS_HPP_
#define PIXXEL_FUZZ_FUZZ_TARGETS_HPP_

// The bodies of the libFuzzer harnesses, shared with tests/fuzz_regressions_test.cpp so that
// every input kept in fuzz/regressions/ is replayed through exactly the code that found it.
//
// Each function takes arbitrary bytes and checks the contracts of the code under test. A
// broken contract prints what was broken and traps (__builtin_trap), and an exception that
// the contract does not allow is left to escape, so libFuzzer (or a death test) reports both
// as crashes.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "decode/decode.hpp"
#include "decode/push_parser.hpp"
#include "failure.hpp"
#include "http_date.hpp"
#include "json_depth.hpp"
#include "pixxel/client.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/models.hpp"
#include "pixxel/options.hpp"
#include "pixxel/parse.hpp"
#include "pixxel/transport.hpp"
#include "redact.hpp"
#include "text.hpp"
#include "url.hpp"

namespace pixxel::fuzz {

[[noreturn]] inline void contract_violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "pixxel fuzz: contract violated: %s", what);
  if (!detail.empty()) {
    std::fprintf(stderr, ": %.*s", static_cast<int>(std::min<std::size_t>(detail.size(), 2000)),
                 detail.data());
  }
  std::fprintf(stderr, "\n");
  std::fflush(stderr);
  __builtin_trap();
}

inline void check(bool holds, const char* what, std::string_view detail = {}) {
  if (!holds) contract_violated(what, detail);
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return size == 0 ? std::string_view()
                   : std::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits off the text before the first '\n' (the whole text when there is none).
inline std::string_view take_line(std::string_view& text) {
  const std::size_t end = text.find('\n');
  const std::string_view line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  return line;
}

// The API key of the harnesses: no text the SDK makes may spell it.
inline constexpr std::string_view kFuzzApiKey = "pxk_fuzz_secret";

// Whether a string anywhere in `value` (a key or a value) holds `secret` once decoded.
inline bool string_holds(const nlohmann::json& value, std::string_view secret) {
  if (const auto* text = value.get_ptr<const std::string*>()) {
    return text->find(secret) != std::string::npos;
  }
  if (const auto* object = value.get_ptr<const nlohmann::json::object_t*>()) {
    for (const auto& [key, member] : *object) {
      if (key.find(secret) != std::string::npos || string_holds(member, secret)) return true;
    }
  }
  if (const auto* array = value.get_ptr<const nlohmann::json::array_t*>()) {
    for (const auto& element : *array) {
      if (string_holds(element, secret)) return true;
    }
  }
  return false;
}

// Whether `text`, parsed as JSON (when it is JSON, and shallow enough to walk), spells
// `secret` in any string, with whatever escapes.
inline bool json_spells(std::string_view text, std::string_view secret) {
  if (internal::json_depth(text, 64) > 64) return false;
  const auto value = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  return !value.is_discarded() && string_holds(value, secret);
}

// 1. Decoding -------------------------------------------------------------------------------

// raw_bytes() on one raw field: an integer array gives its elements, a base64 string gives
// 3 bytes per 4 characters, anything else nothing.
inline void check_raw_bytes(const nlohmann::json& value) {
  const std::optional<std::vector<std::uint8_t>> bytes = raw_bytes(value);
  if (!bytes) return;
  if (const auto* array = value.get_ptr<const nlohmann::json::array_t*>()) {
    check(bytes->size() == array->size(), "raw_bytes: one byte per array element");
    for (std::size_t i = 0; i < array->size(); ++i) {
      check((*array)[i].is_number_integer() && (*array)[i].get<std::int64_t>() == (*bytes)[i],
            "raw_bytes: bytes equal the array's integers");
    }
  } else if (const auto* text = value.get_ptr<const std::string*>()) {
    std::size_t length = text->size();
    while (length > 0 && (*text)[length - 1] == '=') --length;
    check(bytes->size() == length * 6 / 8, "raw_bytes: 3 bytes per 4 base64 characters", *text);
  } else {
    contract_violated("raw_bytes: bytes only from an array or a string");
  }
}

inline void check_raw_fields(const Job& job) {
  check_raw_bytes(job.spec);
  for (const Task& task : job.tasks) {
    check_raw_bytes(task.inputs);
    check_raw_bytes(task.result);
    check_raw_bytes(task.info_logs);
  }
}

// A DecodeError names where decoding failed, and stays short whatever the body.
inline void check_decode_error(const DecodeError& e) {
  check(e.path().size() <= 128, "DecodeError::path() is short", e.path());
  check(e.reason().size() <= 512, "DecodeError::reason() is short", e.reason());
  check(e.status_code() == 0 && e.request_id().empty(),
        "DecodeError outside a call has no status or request id");
}

// to_json then from_json gives the same value back, and from_json never fails on what
// to_json wrote.
template <class T>
void check_round_trip(const T& value) {
  try {
    const nlohmann::json j = value;
    if (j.get<T>() != value) {
      contract_violated("j.get<T>() == value after nlohmann::json j = value", j.dump());
    }
  } catch (const DecodeError& e) {
    contract_violated("from_json accepts what to_json wrote", e.what());
  }
}

// The public adapter (from_json, walking a parsed document) and decode_* (from the bytes) are
// one decoder fed two ways: they must agree on the value and on where decoding fails.
template <class T, class Decode>
void check_same_as_adapter(std::string_view body, Decode decode) {
  std::optional<T> decoded;
  std::optional<DecodeError> decode_error;
  try {
    decoded = decode(body);
  } catch (const DecodeError& e) {
    check_decode_error(e);
    decode_error = e;
  }

  // decode_* accepts exactly the JSON documents nlohmann accepts.
  nlohmann::json document = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (document.is_discarded()) {
    check(decode_error && decode_error->path().empty(),
          "a body that is not JSON gives a DecodeError with an empty path");
    return;
  }
  // An answer must carry each model's identity ("id"); a caller's value need not: there the
  // two differ by design, and which of several errors comes first may differ with it.
  if (decode_error && decode_error->reason().rfind("missing:", 0) == 0) return;
  try {
    const T adapted = document.get<T>();
    check(decoded.has_value(), "decode_* accepts what from_json accepts",
          decode_error ? decode_error->what() : "");
    check(adapted == *decoded, "decode_* and from_json give the same value");
  } catch (const DecodeError& e) {
    check(decode_error.has_value(), "from_json accepts what decode_* accepts", e.what());
    check(e.path() == decode_error->path(), "decode_* and from_json fail at the same path",
          e.path() + " vs " + decode_error->path());
  }
}

// One model's decoder on `body`: a round trip of what it accepts, the same answer as
// from_json's, and only DecodeError escaping.
template <class T>
void fuzz_model(std::string_view body, T (*decode)(std::string_view, std::string_view)) {
  try {
    check_round_trip(decode(body, {}));
  } catch (const DecodeError& e) {
    check_decode_error(e);
  }
  check_same_as_adapter<T>(body, [decode](std::string_view b) { return decode(b, {}); });
}

// decode_job, decode_job_list, decode_download_link and the ping decoder on the same bytes.
// Only DecodeError may escape them (decode_ping: nothing).
inline void fuzz_decode_job(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = as_text(data, size);

  try {
    const Job job = internal::decode_job(body);
    check_raw_fields(job);
    check_round_trip(job);
  } catch (const DecodeError& e) {
    check_decode_error(e);
  }
  // With the key to redact, as the client decodes answers.
  try {
    (void)internal::decode_job(body, kFuzzApiKey);
  } catch (const DecodeError& e) {
    check(std::string_view(e.what()).find(kFuzzApiKey) == std::string_view::npos,
          "no DecodeError shows the key", e.what());
  }
  check_same_as_adapter<Job>(body, [](std::string_view b) { return internal::decode_job(b); });

  try {
    const std::vector<Job> jobs = internal::decode_job_list(body);
    for (const Job& job : jobs) {
      check_raw_fields(job);
      check_round_trip(job);
    }
  } catch (const DecodeError& e) {
    check_decode_error(e);
  }

  try {
    const DownloadLink link = internal::decode_download_link(body);
    check_round_trip(link);
  } catch (const DecodeError& e) {
    check_decode_error(e);
  }
  check_same_as_adapter<DownloadLink>(
      body, [](std::string_view b) { return internal::decode_download_link(b); });

  try {
    (void)internal::decode_ping(body);
  } catch (...) {
    contract_violated("decode_ping never throws");
  }
}

// The decoders of the workflow, project and cost estimate answers on the same bytes: each
// round-trips what it accepts, agrees with from_json, and lets only DecodeError escape, none
// of which shows the key.
inline void fuzz_decode_workflows(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = as_text(data, size);
  fuzz_model<CostEstimate>(body, &internal::decode_cost_estimate);
  fuzz_model<WorkflowPage>(body, &internal::decode_workflow_page);
  fuzz_model<Workflow>(body, &internal::decode_workflow);
  fuzz_model<ProjectPage>(body, &internal::decode_project_page);
  fuzz_model<Project>(body, &internal::decode_project);
  // With the key to redact, as the client decodes answers.
  for (auto decode :
       {+[](std::string_view b) { (void)internal::decode_workflow(b, kFuzzApiKey); },
        +[](std::string_view b) { (void)internal::decode_project(b, kFuzzApiKey); },
        +[](std::string_view b) { (void)internal::decode_workflow_page(b, kFuzzApiKey); }}) {
    try {
      decode(body);
    } catch (const DecodeError& e) {
      check(std::string_view(e.what()).find(kFuzzApiKey) == std::string_view::npos,
            "no DecodeError shows the key", e.what());
    }
  }
}

// 2. Error answers through the client --------------------------------------------------------

// Answers every request with the response it was given.
class ScriptedTransport : public Transport {
 public:
  HttpResponse send(const HttpRequest& request) override {
    check(find_header(request.headers, "Authorization") == std::string(kFuzzApiKey),
          "the request carries the API key");
    return response;
  }

  HttpResponse response;
};

// Input: byte 0 picks the status (0 -> 200, else 400..599); then the Retry-After value up to
// the first '\n', the X-Request-Id value up to the next '\n' (each absent when empty, or when
// there is no '\n' left); the rest is the body.
inline HttpResponse response_from(std::string_view input) {
  HttpResponse response;
  const auto selector = static_cast<unsigned char>(input.empty() ? 0 : input.front());
  input.remove_prefix(input.empty() ? 0 : 1);
  response.status_code = selector % 201 == 0 ? 200 : 399 + selector % 201;
  if (input.find('\n') != std::string_view::npos) {
    const std::string_view retry_after = take_line(input);
    if (!retry_after.empty()) response.headers.emplace_back("Retry-After", retry_after);
  }
  if (input.find('\n') != std::string_view::npos) {
    const std::string_view request_id = take_line(input);
    if (!request_id.empty()) response.headers.emplace_back("X-Request-Id", request_id);
  }
  response.body = std::string(input);
  return response;
}

inline bool has_error_type_for(int status, const ApiError& e) {
  switch (status) {
    case 400:
      return dynamic_cast<const BadRequestError*>(&e) != nullptr;
    case 401:
      return dynamic_cast<const AuthenticationError*>(&e) != nullptr;
    case 403:
      return dynamic_cast<const PermissionDeniedError*>(&e) != nullptr;
    case 404:
      return dynamic_cast<const NotFoundError*>(&e) != nullptr;
    case 409:
      return dynamic_cast<const ConflictError*>(&e) != nullptr;
    case 422:
      return dynamic_cast<const UnprocessableEntityError*>(&e) != nullptr;
    case 429:
      return dynamic_cast<const RateLimitError*>(&e) != nullptr;
    default:
      if (status >= 500) return dynamic_cast<const ServerError*>(&e) != nullptr;
      return typeid(e) == typeid(ApiError);
  }
}

inline void check_api_error(const HttpResponse& response, const ApiError& e) {
  check(e.status_code() == response.status_code, "ApiError::status_code() is the answer's");
  check(has_error_type_for(response.status_code, e), "the ApiError subclass matches the status",
        typeid(e).name());
  check(!e.message().empty(), "ApiError::message() falls back to the reason phrase");
  if (e.retry_after()) check(e.retry_after()->count() >= 0, "retry_after() is not negative");
  if (!find_header(response.headers, "Retry-After")) {
    check(!e.retry_after(), "no Retry-After header, no retry_after()");
  }
  const std::optional<std::string> request_id = find_header(response.headers, "X-Request-Id");
  if (!request_id) check(e.request_id().empty(), "no X-Request-Id header, no request_id()");
  // The header as sent, except that the key is redacted in whatever spelling it holds it
  // (raw, JSON-escaped, percent-encoded): an oracle that exempted only the raw spelling
  // called the SDK's rightful redaction of `pxk_\u0066uzz_...` a bug.
  if (request_id) {
    check(e.request_id() == internal::redact(*request_id, kFuzzApiKey),
          "request_id() is the X-Request-Id header, with the key redacted");
  }
}

// create_job against a transport that answers with the input. Only pixxel::Error may
// escape, and no what() may contain the API key.
inline void fuzz_client_error(const std::uint8_t* data, std::size_t size) {
  static const auto transport = std::make_shared<ScriptedTransport>();
  static PixxelClient client = [] {
    ClientOptions options;
    options.api_key = std::string(kFuzzApiKey);
    options.base_url = "https://api.example.test";
    options.retry.max_retries = 0;
    options.transport = transport;
    return PixxelClient(std::move(options));
  }();

  transport->response = response_from(as_text(data, size));
  const HttpResponse& response = transport->response;
  try {
    client.create_job("wf-1", "proj-1");
    check(response.status_code == 200, "create_job returns only for a 2xx answer");
  } catch (const Error& e) {
    const std::string_view what = e.what();
    check(what.find(kFuzzApiKey) == std::string_view::npos, "no what() contains the API key", what);
    if (const auto* api = dynamic_cast<const ApiError*>(&e)) {
      check(!json_spells(api->body(), kFuzzApiKey), "ApiError::body() spells no key", api->body());
      check(response.status_code != 200, "no ApiError for a 2xx answer");
      check_api_error(response, *api);
    } else if (const auto* decode = dynamic_cast<const DecodeError*>(&e)) {
      check(response.status_code == 200, "DecodeError only for a 2xx answer");
      check(decode->status_code() == 200, "DecodeError::status_code() is the answer's");
    } else {
      contract_violated("an answer gives only ApiError or DecodeError", what);
    }
  }
}

// 3. Parse helpers ---------------------------------------------------------------------------

inline std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// parse_timestamp, parse_duration, parse_progress and is_terminal_status on the input, and
// on variants that must read the same. None may throw.
inline void fuzz_parse_helpers(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);

  const auto timestamp = parse_timestamp(text);
  if (text.size() > 10 && (text[10] == 'T' || text[10] == 't' || text[10] == ' ')) {
    std::string other(text);
    other[10] = text[10] == ' ' ? 'T' : ' ';
    check(parse_timestamp(other) == timestamp, "parse_timestamp: 'T', 't' and ' ' are alike", text);
  }
  if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) {
    std::string other(text.substr(0, text.size() - 1));
    other += "+00:00";
    check(parse_timestamp(other) == timestamp, "parse_timestamp: 'Z' is +00:00", text);
  }

  (void)parse_duration(text);

  const auto progress = parse_progress(text);
  if (progress) {
    check(*progress >= 0 && *progress <= 100, "parse_progress is within [0, 100]", text);
  }
  // Only when the text (trimmed) has no '%' yet: parse_progress strips one, not two.
  const std::string_view trimmed = internal::trim(text);
  if (trimmed.empty() || trimmed.back() != '%') {
    std::string percent(text);
    percent += '%';
    check(parse_progress(percent) == progress, "parse_progress: a trailing '%' changes nothing",
          text);
  }

  const bool terminal = is_terminal_status(text);
  check(is_terminal_status(to_upper(text)) == terminal, "is_terminal_status is case-insensitive",
        text);
}

// 4. URL and header helpers ------------------------------------------------------------------

inline void check_parsed_url(const internal::ParsedUrl& url, std::string_view text) {
  check(url.origin.scheme == "http" || url.origin.scheme == "https", "parse_url: http(s) only",
        text);
  check(!url.origin.host.empty(), "parse_url: a host", text);
  check(url.origin.port >= 1 && url.origin.port <= 65535, "parse_url: a port in 1..65535", text);
  check(!internal::has_control_chars(url.origin.host) &&
            !internal::has_control_chars(url.path_and_query),
        "parse_url: no control characters", text);
  check(url.origin.host.find_first_of("@/?#") == std::string::npos,
        "parse_url: no '@', '/', '?' or '#' in the host", text);
}

// Input: a base URL up to the first '\n', then a value (Location, Retry-After, ...).
inline void fuzz_http_helpers(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = as_text(data, size);
  std::string_view value = input;
  const std::string_view first = take_line(value);

  if (const auto url = internal::parse_url(input)) check_parsed_url(*url, input);
  if (const auto base = internal::parse_url(first)) {
    check_parsed_url(*base, first);
    if (const auto next = internal::resolve_location(*base, value)) {
      const auto parsed = internal::parse_url(*next);
      check(parsed.has_value(), "resolve_location gives a URL parse_url accepts", *next);
      const std::string_view reference = value.substr(0, value.find('#'));
      const bool relative =
          reference.find("://") == std::string_view::npos && reference.substr(0, 2) != "//";
      // A relative Location keeps the origin, so the client keeps sending the key to it.
      if (relative) {
        check(parsed->origin == base->origin, "a relative Location keeps the origin", *next);
      }
    }
  }

  // A fixed "now" keeps the harness deterministic: Thu, 01 Feb 2024 00:00:00 GMT.
  const std::chrono::system_clock::time_point now{std::chrono::seconds(1706745600)};
  for (const std::string_view retry_after : {input, value}) {
    if (const auto delay = internal::parse_retry_after(retry_after, now)) {
      check(delay->count() >= 0, "parse_retry_after is not negative", retry_after);
    }
  }

  // An id is percent-encoded into exactly one path segment, and decodes back to itself.
  const std::string encoded = internal::percent_encode(input);
  const auto upper_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '%') {
      check(i + 2 < encoded.size() && upper_hex(encoded[i + 1]) && upper_hex(encoded[i + 2]),
            "percent_encode: '%' is followed by two upper-case hex digits");
      i += 2;
    } else {
      check(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
                c == '~',
            "percent_encode: only unreserved characters are left as they are");
    }
  }
  check(internal::percent_decode(encoded) == input,
        "percent_encode: percent_decode gives the input back");

  check(internal::iequals(first, value) == (to_upper(first) == to_upper(value)),
        "iequals is ASCII case-insensitive equality");
  (void)internal::is_loopback_host(first);
  (void)internal::reason_phrase(static_cast<int>(size));

  // redact removes every occurrence of the secret. (A secret containing '*' can be
  // recreated by the "***" it is replaced with, so the check leaves those out.)
  if (!first.empty() && first.find('*') == std::string_view::npos) {
    const std::string redacted = internal::redact(std::string(value), first);
    check(redacted.find(first) == std::string::npos, "redact leaves no occurrence of the secret");
    check(internal::redact(redacted, first) == redacted, "redact leaves no spelling of the secret",
          value);
    check(!json_spells(redacted, first), "redact leaves no JSON spelling of the secret", value);
    HttpRequest request;
    request.url = std::string(value);
    request.headers = {{"Authorization", std::string(first)}};
    check(internal::loggable_url(request).find(first) == std::string::npos,
          "loggable_url never shows the key", value);
  }
}

// 5. The push parser -------------------------------------------------------------------------

// Writes down every SAX event, with its value, one per line: two parses that give the same
// text gave the same events. A float is written as its bits and its text.
class SaxRecorder {
 public:
  std::string events;

  bool null() { return add("null"); }
  bool boolean(bool b) { return add(b ? "true" : "false"); }
  bool number_integer(nlohmann::json::number_integer_t n) {
    return add("integer " + std::to_string(n));
  }
  bool number_unsigned(nlohmann::json::number_unsigned_t n) {
    return add("unsigned " + std::to_string(n));
  }
  bool number_float(nlohmann::json::number_float_t d, const std::string& text) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    return add("float " + std::to_string(bits) + " " + text);
  }
  bool string(std::string& s) { return add("string " + s); }
  bool binary(nlohmann::json::binary_t& /*b*/) { return add("binary"); }
  bool key(std::string& k) { return add("key " + k); }
  bool start_object(std::size_t n) { return add("{ " + std::to_string(n)); }
  bool end_object() { return add("}"); }
  bool start_array(std::size_t n) { return add("[ " + std::to_string(n)); }
  bool end_array() { return add("]"); }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string& last_token, const Exception& e) {
    add("error at " + std::to_string(position) + " after '" + last_token + "': " + e.what() + " (" +
        typeid(e).name() + ")");
    return false;
  }

 private:
  bool add(const std::string& event) {
    events += event;
    events += '\n';
    return true;
  }
};

// nlohmann's strict SAX parse of `text`: its events, then what it returned.
inline std::string nlohmann_events(std::string_view text) {
  SaxRecorder recorder;
  const bool parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &recorder,
                                                nlohmann::json::input_format_t::json, true);
  return recorder.events + (parsed ? "parsed" : "failed");
}

// The push parser's events for `text` fed in pieces that end at each of `cuts` (ascending
// offsets), then what finish() returned.
inline std::string push_events(std::string_view text, const std::vector<std::size_t>& cuts) {
  SaxRecorder recorder;
  internal::PushParser<SaxRecorder> parser(recorder);
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    cut = std::min(std::max(cut, from), text.size());
    parser.feed(text.data() + from, cut - from);
    from = cut;
  }
  parser.feed(text.data() + from, text.size() - from);
  const bool parsed = parser.finish();
  return recorder.events + (parsed ? "parsed" : "failed");
}

// What decoding `text` as a T gave: the value as JSON, or the DecodeError's path and reason.
// In one piece through decode_body (nlohmann's parser), or through BodyDecode in pieces that
// end at each of `cuts`.
template <class T>
std::string decoded_outcome(std::string_view text, const std::vector<std::size_t>* cuts) {
  try {
    T value;
    if (cuts == nullptr) {
      value = internal::decode_body<T>(text, kFuzzApiKey);
    } else {
      internal::BodyDecode<T> decode(kFuzzApiKey);
      std::size_t from = 0;
      for (std::size_t cut : *cuts) {
        cut = std::min(std::max(cut, from), text.size());
        decode.feed(text.substr(from, cut - from));
        from = cut;
      }
      decode.feed(text.substr(from));
      value = decode.finish();
    }
    if constexpr (std::is_same_v<T, internal::JobListDraft>) {
      return "value " + nlohmann::json(value.jobs).dump();
    } else {
      return "value " + nlohmann::json(value).dump();
    }
  } catch (const DecodeError& e) {
    return "error at '" + e.path() + "': " + e.reason();
  }
}

// A body decoded as it arrives decodes as the whole body does, value or error alike.
template <class T>
void check_body_decode(std::string_view text, const std::vector<std::size_t>& cuts) {
  const std::string whole = decoded_outcome<T>(text, nullptr);
  check(decoded_outcome<T>(text, &cuts) == whole, "BodyDecode in pieces: decode_body's outcome",
        text);
}

// The push parser gives nlohmann's events, errors included, wherever the input is cut: in
// one piece, one byte at a time, and at cuts derived from the input itself.
inline void fuzz_push_parser(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);
  const std::string expected = nlohmann_events(text);
  check(push_events(text, {}) == expected, "one piece: nlohmann's events", text);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < size && i <= 4096; ++i) cuts.push_back(i);
  check(push_events(text, cuts) == expected, "one byte at a time: nlohmann's events", text);
  // A few cuts at places that depend on the bytes (FNV-1a as the generator).
  std::uint64_t state = 14695981039346656037ull;
  for (std::size_t i = 0; i < size; ++i) state = (state ^ data[i]) * 1099511628211ull;
  for (int round = 0; round < 4 && size > 1; ++round) {
    cuts.clear();
    const std::size_t count = 1 + state % 6;
    for (std::size_t i = 0; i < count; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      cuts.push_back(static_cast<std::size_t>((state >> 33) % size));
    }
    std::sort(cuts.begin(), cuts.end());
    check(push_events(text, cuts) == expected, "cut anywhere: nlohmann's events", text);
  }
  // And the decoders it feeds give what they give on the whole body.
  check_body_decode<Job>(text, cuts);
  check_body_decode<internal::JobListDraft>(text, cuts);
  check_body_decode<Workflow>(text, cuts);
}

}  // namespace pixxel::fuzz

#endif  // PIXXEL_FUZZ_FUZZ_TARGETS_HPP_
