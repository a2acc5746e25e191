#include "describe_error.hpp"

#include <exception>

#include "pixxel/errors.hpp"
#include "text_util.hpp"

namespace pixxel_cli {

ErrorReport describe_current_exception(const ErrorContext& context) {
  ErrorReport r;
  auto set = [&](int code, const char* type, const std::string& kind, const std::string& what) {
    r.exit_code = code;
    r.type = type;
    r.message = kind + ": " + what;
  };
  auto from_api = [&](const pixxel::ApiError& e) {
    r.status = e.status_code();
    r.code = e.code();
    r.request_id = e.request_id();
    r.retry_after = e.retry_after();
  };
  // key_source is a flag, a variable, or `profile "NAME" in FILE`.
  const bool key_from_profile = context.key_source.rfind("profile ", 0) == 0;
  const std::string key_advice =
      "check " + (context.key_source == "--api-key" ? std::string("the key given with --api-key")
                  : key_from_profile                ? "the api_key of " + context.key_source
                                                    : context.key_source);
  try {
    throw;
  } catch (const pixxel::ConfigurationError& e) {
    const std::string from =
        context.base_url_source.empty() ? "" : " (from " + context.base_url_source + ")";
    if (e.option() == "api_key" && !context.key_given) {
      set(kConfiguration, "configuration", "configuration error",
          "no API key: pass --api-key or set PIXXEL_API_KEY");
    } else if (e.option() == "api_key") {
      set(kConfiguration, "configuration", "configuration error",
          "the API key from " + context.key_source +
              " must not contain control characters (CR, LF, ...)");
    } else if (e.option() == "allow_insecure_http") {
      set(kConfiguration, "configuration", "configuration error",
          "the base URL" + from +
              " is plain http to another machine, so the API key would cross the network in "
              "clear text: use https://, or pass --allow-insecure-http to accept that");
    } else if (e.option() == "base_url") {
      set(kConfiguration, "configuration", "configuration error", e.what() + from);
    } else {
      set(kConfiguration, "configuration", "configuration error", e.what());
    }
  } catch (const pixxel::InvalidArgumentError& e) {
    set(kInvalidArgument, "invalid_argument", "invalid argument", e.what());
  } catch (const pixxel::AuthenticationError& e) {
    set(kAuthentication, "authentication", "not authenticated (" + key_advice + ")", e.what());
    from_api(e);
  } catch (const pixxel::PermissionDeniedError& e) {
    set(kAuthentication, "permission_denied", "permission denied (" + key_advice + ")", e.what());
    from_api(e);
  } catch (const pixxel::NotFoundError& e) {
    set(kNotFound, "not_found", "not found", e.what());
    from_api(e);
  } catch (const pixxel::RateLimitError& e) {
    const auto wait = e.retry_after();
    std::string what = e.what();
    if (wait && *wait > context.max_retry_after) {
      what += "; the server asks to wait " + format_seconds(*wait) +
              " before trying again (Retry-After), longer than the " +
              format_seconds(context.max_retry_after) + " pixxel waits by itself";
    } else if (wait) {
      what += "; try again in " + format_seconds(*wait);
    }
    set(kRateLimited, "rate_limited", wait ? "rate limited" : "rate limited, try again later",
        what);
    from_api(e);
  } catch (const pixxel::ServerError& e) {
    // Not "try again later" when the request may have acted: that would make a second job.
    set(kServerError, "server_error",
        e.outcome_unknown() ? "server error" : "server error, try again later", e.what());
    from_api(e);
  } catch (const pixxel::ApiError& e) {
    set(kClientError, "request_rejected", "request rejected", e.what());
    from_api(e);
  } catch (const pixxel::TimeoutError& e) {
    set(kTimeout, "timeout", "timed out", e.what());
  } catch (const pixxel::TransportError& e) {
    set(kTransport, "network", "network error", e.what());
  } catch (const pixxel::DecodeError& e) {
    set(kBadAnswer, "bad_answer", "unexpected answer", e.what());
    if (e.status_code() != 0) r.status = e.status_code();
    r.request_id = e.request_id();
  } catch (const pixxel::ResponseTooLargeError& e) {
    set(kBadAnswer, "answer_too_large", "answer too large", e.what());
  } catch (const std::exception& e) {
    set(kUnexpected, "unexpected", "error", e.what());
  } catch (...) {
    r.exit_code = kUnexpected;
    r.type = "unexpected";
    r.message = "unknown error";
  }
  return r;
}

}  // namespace pixxel_cli
