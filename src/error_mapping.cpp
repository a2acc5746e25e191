#include "error_mapping.hpp"

#include <nlohmann/json.hpp>

#include "json_depth.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"

namespace pixxel::internal {

using std::chrono::milliseconds;

namespace {

template <typename E>
std::exception_ptr make_error(int status, std::string code, std::string message,
                              nlohmann::json details, const std::string& body,
                              std::string request_id, std::optional<milliseconds> retry_after) {
  return std::make_exception_ptr(E(status, std::move(code), std::move(message), std::move(details),
                                   body, std::move(request_id), retry_after));
}

// Deeper error bodies are kept as text only: copying deep JSON recurses on the stack.
constexpr std::size_t kMaxErrorBodyDepth = 64;

}  // namespace

std::exception_ptr make_api_error(int status, const std::string& body, std::string request_id,
                                  std::optional<milliseconds> retry_after,
                                  std::string_view secret) {
  std::string code;
  std::string message;
  nlohmann::json details;
  const auto json = json_depth(body, kMaxErrorBodyDepth) > kMaxErrorBodyDepth
                        ? nlohmann::json()
                        : nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    auto error = json.find("error");
    if (error != json.end() && error->is_object()) {
      auto c = error->find("code");
      if (c != error->end() && c->is_string()) code = c->get<std::string>();
      if (c != error->end() && c->is_number()) code = c->dump();
      auto m = error->find("message");
      if (m != error->end() && m->is_string()) message = m->get<std::string>();
      auto d = error->find("details");
      if (d != error->end()) details = *d;
    }
    if (message.empty()) {
      auto m = json.find("message");
      if (m != json.end() && m->is_string()) message = m->get<std::string>();
    }
    if (message.empty() && error != json.end() && error->is_string()) {
      message = error->get<std::string>();
    }
  }
  if (message.empty()) message = reason_phrase(status);
  code = redact(std::move(code), secret);
  message = redact(std::move(message), secret);
  if (!details.is_null()) {
    const std::string text = details.dump();
    if (redact(text, secret) != text) {
      details = redact(
          details.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace),
          secret);
    }
  }

  auto(*make)(int, std::string, std::string, nlohmann::json, const std::string&, std::string,
              std::optional<milliseconds>)
      ->std::exception_ptr = &make_error<ApiError>;
  switch (status) {
    case 400:
      make = &make_error<BadRequestError>;
      break;
    case 401:
      make = &make_error<AuthenticationError>;
      break;
    case 403:
      make = &make_error<PermissionDeniedError>;
      break;
    case 404:
      make = &make_error<NotFoundError>;
      break;
    case 409:
      make = &make_error<ConflictError>;
      break;
    case 422:
      make = &make_error<UnprocessableEntityError>;
      break;
    case 429:
      make = &make_error<RateLimitError>;
      break;
    default:
      if (status >= 500 && status <= 599) make = &make_error<ServerError>;
  }
  return make(status, std::move(code), std::move(message), std::move(details), body,
              std::move(request_id), retry_after);
}

std::exception_ptr redact_error(const std::exception_ptr& error, std::string_view key) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    const std::string text = redact(e.what(), key);
    if (text == e.what()) return error;
    if (const auto* c = dynamic_cast<const CancelledError*>(&e)) {
      return std::make_exception_ptr(CancelledError(text, c->request_sent()));
    }
    if (const auto* t = dynamic_cast<const TimeoutError*>(&e)) {
      return std::make_exception_ptr(TimeoutError(text, t->request_sent()));
    }
    if (const auto* t = dynamic_cast<const TransportError*>(&e)) {
      return std::make_exception_ptr(TransportError(text, t->request_sent()));
    }
    if (const auto* t = dynamic_cast<const ResponseTooLargeError*>(&e)) {
      return std::make_exception_ptr(ResponseTooLargeError(text, t->limit()));
    }
    if (const auto* d = dynamic_cast<const DecodeError*>(&e)) {
      return std::make_exception_ptr(DecodeError(redact(d->path(), key), redact(d->reason(), key),
                                                 d->status_code(), redact(d->request_id(), key)));
    }
    if (const auto* a = dynamic_cast<const ApiError*>(&e)) {
      return make_api_error(a->status_code(), redact(a->body(), key), redact(a->request_id(), key),
                            a->retry_after(), key);
    }
    if (const auto* c = dynamic_cast<const ConfigurationError*>(&e)) {
      return std::make_exception_ptr(ConfigurationError(text, c->option()));
    }
    if (dynamic_cast<const InvalidArgumentError*>(&e) != nullptr) {
      return std::make_exception_ptr(InvalidArgumentError(text));
    }
    return std::make_exception_ptr(Error(text));
  } catch (...) {
    return error;
  }
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

std::exception_ptr as_sent(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const CancelledError& e) {
    if (e.request_sent()) return error;
    return std::make_exception_ptr(CancelledError(e.what(), true));
  } catch (const TimeoutError& e) {
    if (e.request_sent()) return error;
    return std::make_exception_ptr(TimeoutError(e.what(), true));
  } catch (const TransportError& e) {
    if (e.request_sent()) return error;
    return std::make_exception_ptr(TransportError(e.what(), true));
  } catch (...) {
    return error;
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

}  // namespace pixxel::internal
