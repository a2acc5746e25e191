#include "failure.hpp"

#include <utility>

#include "json_depth.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"
#include "redirect.hpp"

namespace pixxel::internal {

using std::chrono::milliseconds;

namespace {

// Deeper error bodies are kept as text only: copying deep JSON recurses on the stack.
constexpr std::size_t kMaxErrorBodyDepth = 64;

Failure of_kind(Failure::Kind kind, std::string what) {
  Failure f;
  f.kind = kind;
  f.what = std::move(what);
  return f;
}

template <typename E>
std::exception_ptr make_api(const Failure& f) {
  return std::make_exception_ptr(
      E(f.status, f.code, f.message, f.details, f.body, f.request_id, f.retry_after));
}

std::exception_ptr make_api_exception(const Failure& f) {
  switch (f.status) {
    case 400:
      return make_api<BadRequestError>(f);
    case 401:
      return make_api<AuthenticationError>(f);
    case 403:
      return make_api<PermissionDeniedError>(f);
    case 404:
      return make_api<NotFoundError>(f);
    case 409:
      return make_api<ConflictError>(f);
    case 422:
      return make_api<UnprocessableEntityError>(f);
    case 429:
      return make_api<RateLimitError>(f);
    default:
      return f.status >= 500 && f.status <= 599 ? make_api<ServerError>(f) : make_api<ApiError>(f);
  }
}

}  // namespace

Failure Failure::transport(std::string what, bool request_sent) {
  Failure f = of_kind(Kind::transport, std::move(what));
  f.request_sent = request_sent;
  return f;
}

Failure Failure::timeout(std::string what, bool request_sent) {
  Failure f = of_kind(Kind::timeout, std::move(what));
  f.request_sent = request_sent;
  return f;
}

Failure Failure::cancelled(std::string what, bool request_sent) {
  Failure f = of_kind(Kind::cancelled, std::move(what));
  f.request_sent = request_sent;
  return f;
}

Failure Failure::redirect_refused(std::string what) {
  return of_kind(Kind::redirect_refused, std::move(what));
}

Failure Failure::too_large(std::string what, std::size_t limit) {
  Failure f = of_kind(Kind::too_large, std::move(what));
  f.limit = limit;
  return f;
}

Failure Failure::decode(std::string path, std::string reason, int status, std::string request_id) {
  // The message is DecodeError's own: made from the exception, so that both say the same.
  DecodeError error(path, reason, status, request_id);
  Failure f = of_kind(Kind::decode, error.what());
  f.path = std::move(path);
  f.reason = std::move(reason);
  f.status = status;
  f.request_id = std::move(request_id);
  return f;
}

Failure api_failure(int status, std::string body, std::string request_id,
                    std::optional<milliseconds> retry_after, std::string_view secret) {
  Failure f;
  f.kind = Failure::Kind::api;
  f.status = status;
  f.retry_after = retry_after;
  const auto json = json_depth(body, kMaxErrorBodyDepth) > kMaxErrorBodyDepth
                        ? nlohmann::json()
                        : nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    auto error = json.find("error");
    if (error != json.end() && error->is_object()) {
      auto c = error->find("code");
      if (c != error->end() && c->is_string()) f.code = c->get<std::string>();
      if (c != error->end() && c->is_number()) f.code = c->dump();
      auto m = error->find("message");
      if (m != error->end() && m->is_string()) f.message = m->get<std::string>();
      auto d = error->find("details");
      if (d != error->end()) f.details = *d;
    }
    if (f.message.empty()) {
      auto m = json.find("message");
      if (m != json.end() && m->is_string()) f.message = m->get<std::string>();
    }
    if (f.message.empty() && error != json.end() && error->is_string()) {
      f.message = error->get<std::string>();
    }
  }
  if (f.message.empty()) f.message = reason_phrase(status);
  f.code = redact(std::move(f.code), secret);
  f.message = redact(std::move(f.message), secret);
  if (!f.details.is_null()) {
    const std::string text = f.details.dump();
    if (redact(text, secret) != text) {
      f.details = redact(
          f.details.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace),
          secret);
    }
  }
  f.body = std::move(body);
  f.request_id = std::move(request_id);
  // The message is ApiError's own: made from the exception, so that both say the same.
  f.what = ApiError(f.status, f.code, f.message, nullptr, {}, f.request_id, {}).what();
  return f;
}

Failure failure_of(const std::exception_ptr& error) noexcept {
  Failure f;
  try {
    try {
      std::rethrow_exception(error);
    } catch (const Error& e) {
      f.thrown = error;
      f.what = e.what();
      f.outcome_unknown = e.outcome_unknown();
      f.sent_at = e.sent_at();
      if (const auto* c = dynamic_cast<const CancelledError*>(&e)) {
        f.kind = Failure::Kind::cancelled;
        f.request_sent = c->request_sent();
      } else if (dynamic_cast<const RedirectRefused*>(&e) != nullptr) {
        f.kind = Failure::Kind::redirect_refused;
      } else if (const auto* t = dynamic_cast<const TimeoutError*>(&e)) {
        f.kind = Failure::Kind::timeout;
        f.request_sent = t->request_sent();
      } else if (const auto* tr = dynamic_cast<const TransportError*>(&e)) {
        f.kind = Failure::Kind::transport;
        f.request_sent = tr->request_sent();
      } else if (const auto* big = dynamic_cast<const ResponseTooLargeError*>(&e)) {
        f.kind = Failure::Kind::too_large;
        f.limit = big->limit();
      } else if (const auto* d = dynamic_cast<const DecodeError*>(&e)) {
        f.kind = Failure::Kind::decode;
        f.path = d->path();
        f.reason = d->reason();
        f.status = d->status_code();
        f.request_id = d->request_id();
      } else if (const auto* a = dynamic_cast<const ApiError*>(&e)) {
        f.kind = Failure::Kind::api;
        f.status = a->status_code();
        f.code = a->code();
        f.message = a->message();
        f.details = a->details();
        f.body = a->body();
        f.request_id = a->request_id();
        f.retry_after = a->retry_after();
      } else if (const auto* config = dynamic_cast<const ConfigurationError*>(&e)) {
        f.kind = Failure::Kind::configuration;
        f.option = config->option();
      } else if (dynamic_cast<const InvalidArgumentError*>(&e) != nullptr) {
        f.kind = Failure::Kind::invalid_argument;
      } else {
        f.kind = Failure::Kind::other;
      }
    } catch (const std::exception& e) {
      f = Failure{};
      f.kind = Failure::Kind::foreign;
      f.foreign = error;
      f.what = e.what();
    } catch (...) {
      f = Failure{};
      f.kind = Failure::Kind::foreign;
      f.foreign = error;
    }
  } catch (...) {
    // Copying a field ran out of memory: the error passes on as it came.
    Failure passed;
    passed.kind = Failure::Kind::foreign;
    passed.foreign = error;
    return passed;
  }
  return f;
}

Failure redacted(Failure f, std::string_view key) {
  if (f.kind == Failure::Kind::foreign || key.empty()) return f;
  // A message that does not spell the key leaves the failure (and what it was read from) as it
  // is.
  if (redact(f.what, key) == f.what) return f;
  f.thrown = nullptr;
  f.what = redact(std::move(f.what), key);
  f.request_id = redact(std::move(f.request_id), key);
  f.path = redact(std::move(f.path), key);
  f.reason = redact(std::move(f.reason), key);
  if (f.kind == Failure::Kind::api) {
    // Made again from the redacted body: its code, message and details too.
    Failure api =
        api_failure(f.status, redact(std::move(f.body), key), f.request_id, f.retry_after, key);
    api.outcome_unknown = f.outcome_unknown;
    api.sent_at = f.sent_at;
    return api;
  }
  if (f.kind == Failure::Kind::decode) {
    Failure d =
        Failure::decode(std::move(f.path), std::move(f.reason), f.status, std::move(f.request_id));
    d.outcome_unknown = f.outcome_unknown;
    d.sent_at = f.sent_at;
    return d;
  }
  return f;
}

Failure as_sent(Failure f) {
  if (f.kind == Failure::Kind::transport || f.kind == Failure::Kind::timeout ||
      f.kind == Failure::Kind::cancelled) {
    if (!f.request_sent) f.thrown = nullptr;
    f.request_sent = true;
  }
  return f;
}

std::exception_ptr to_exception(const Failure& f) {
  if (f.thrown && f.kind != Failure::Kind::foreign) {
    // The object the exception_ptr holds: what it was read from, with the call's outcome.
    ErrorOutcome::set(f.thrown, f.outcome_unknown, f.sent_at);
    return f.thrown;
  }
  std::exception_ptr error;
  switch (f.kind) {
    case Failure::Kind::foreign:
      return f.foreign;
    case Failure::Kind::transport:
      error = std::make_exception_ptr(TransportError(f.what, f.request_sent));
      break;
    case Failure::Kind::timeout:
      error = std::make_exception_ptr(TimeoutError(f.what, f.request_sent));
      break;
    case Failure::Kind::cancelled:
      error = std::make_exception_ptr(CancelledError(f.what, f.request_sent));
      break;
    case Failure::Kind::redirect_refused:
      error = std::make_exception_ptr(RedirectRefused(f.what));
      break;
    case Failure::Kind::too_large:
      error = std::make_exception_ptr(ResponseTooLargeError(f.what, f.limit));
      break;
    case Failure::Kind::api:
      error = make_api_exception(f);
      break;
    case Failure::Kind::decode:
      error = std::make_exception_ptr(DecodeError(f.path, f.reason, f.status, f.request_id));
      break;
    case Failure::Kind::invalid_argument:
      error = std::make_exception_ptr(InvalidArgumentError(f.what));
      break;
    case Failure::Kind::configuration:
      error = std::make_exception_ptr(ConfigurationError(f.what, f.option));
      break;
    case Failure::Kind::other:
      error = std::make_exception_ptr(Error(f.what));
      break;
  }
  ErrorOutcome::set(error, f.outcome_unknown, f.sent_at);
  return error;
}

void ErrorOutcome::set(const std::exception_ptr& error, bool unknown,
                       std::optional<time_point> sent_at) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (Error& e) {
    // The object the exception_ptr holds: every later rethrow sees the change.
    set(e, unknown, sent_at);
  } catch (...) {
  }
}

std::string reason_phrase(int status_code) {
  switch (status_code) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "HTTP " + std::to_string(status_code);
  }
}

void raise(const Failure& failure) { std::rethrow_exception(to_exception(failure)); }

}  // namespace pixxel::internal
