#include "pipeline.hpp"

#include <memory>
#include <utility>

#include "pixxel/errors.hpp"
#include "pixxel/request_event.hpp"
#include "redact.hpp"
#include "redirect.hpp"
#include "text.hpp"

namespace pixxel::internal {

using std::chrono::milliseconds;

namespace {

void notify(const Settings& settings, const HttpRequest& request, int attempt,
            const Outcome& outcome, milliseconds elapsed) noexcept {
  const auto& observer = settings.options.on_request;
  if (!observer) return;
  try {
    const std::string& key = settings.options.api_key;
    Headers headers = request.headers;
    for (auto& [name, value] : headers) {
      value = iequals(name, "Authorization") ? "***" : redact(std::move(value), key);
    }
    observer(RequestEvent{request.method, redact(loggable_url(request), key), attempt,
                          outcome.status, elapsed, outcome.error_text, std::move(headers)});
  } catch (...) {
    // An observer must not turn a finished call (perhaps a created job) into a failure.
  }
}

}  // namespace

Clock& Clock::real() {
  static Clock clock;
  return clock;
}

const HttpRequest& Attempts::start() {
  ++attempt_;
  hop_ = 0;
  first_ = spec_.prepare ? spec_.prepare(spec_.request) : spec_.request;
  current_ = first_;
  return current_;
}

const HttpRequest* Attempts::next_hop(const HttpResponse& response, Clock::time_point now) {
  auto next =
      follow_redirect(current_, response, hop_, settings_.base.origin,
                      settings_.options.allow_insecure_http, now, started_ + first_.timeout);
  if (!next) return nullptr;
  ++hop_;
  current_ = std::move(*next);
  return &current_;
}

Attempts::Decision Attempts::finish(HttpResponse response, std::exception_ptr failure,
                                    Clock::time_point now) {
  if (!failure && spec_.check && response.status_code >= 200 && response.status_code <= 299) {
    try {
      spec_.check(response);
    } catch (const Error&) {
      failure = std::current_exception();
    }
  }
  Outcome outcome =
      classify(first_, spec_.retry, std::move(response), failure, settings_.options.api_key);
  notify(settings_, first_, attempt_, outcome,
         std::chrono::duration_cast<milliseconds>(now - started_));
  Decision decision;
  if (!outcome.error) {
    decision.response = std::move(outcome.response);
    return decision;
  }
  decision.error = outcome.error;
  decision.retry_in = next_delay(spec_.retry, outcome, attempt_);
  return decision;
}

HttpResponse run_blocking(const Settings& settings, CallSpec spec, Clock& clock) {
  Transport& transport = *settings.options.transport;
  Attempts attempts(settings, std::move(spec));
  const StreamSink* sink = attempts.spec().sink;
  for (;;) {
    const HttpRequest* request = &attempts.start();
    attempts.started(clock.now());
    HttpResponse response;
    std::exception_ptr failure;
    try {
      for (;;) {
        response =
            sink != nullptr ? transport.send_streaming(*request, *sink) : transport.send(*request);
        request = attempts.next_hop(response, clock.now());
        if (request == nullptr) break;
      }
    } catch (const Error&) {
      failure = std::current_exception();
    }
    auto decision = attempts.finish(std::move(response), failure, clock.now());
    if (!decision.error) return std::move(decision.response);
    if (!decision.retry_in) std::rethrow_exception(decision.error);
    clock.sleep_for(*decision.retry_in);
  }
}

namespace {

// An asynchronous call between its steps: owned by the engine's callbacks.
struct AsyncCall : std::enable_shared_from_this<AsyncCall> {
  AsyncCall(const Settings& settings, AsyncEngine& e, CallSpec spec,
            std::function<void(HttpResponse, std::exception_ptr)> d)
      : attempts(settings, std::move(spec)), engine(e), done(std::move(d)) {}

  Attempts attempts;
  AsyncEngine& engine;
  std::function<void(HttpResponse, std::exception_ptr)> done;
  bool first_hop = true;

  void attempt(AsyncEngine::Clock::time_point not_before) {
    first_hop = true;
    send(attempts.start(), not_before, false);
  }

  void send(const HttpRequest& request, AsyncEngine::Clock::time_point not_before,
            bool continuation) {
    engine.submit(
        request,
        [self = shared_from_this()](AsyncEngine::Result r) { self->on_result(std::move(r)); },
        not_before, continuation);
  }

  void on_result(AsyncEngine::Result result) {
    if (result.shutting_down) {
      done({}, result.error);
      return;
    }
    if (first_hop) attempts.started(result.started);
    first_hop = false;
    const auto now = AsyncEngine::Clock::now();
    if (!result.error) {
      try {
        if (const HttpRequest* next = attempts.next_hop(result.response, now)) {
          // The next hop keeps the attempt's place: it goes ahead of queued calls.
          send(*next, {}, true);
          return;
        }
      } catch (const Error&) {
        result.error = std::current_exception();
      }
    }
    auto decision = attempts.finish(std::move(result.response), result.error, now);
    if (!decision.error) {
      done(std::move(decision.response), nullptr);
    } else if (!decision.retry_in) {
      done({}, decision.error);
    } else {
      attempt(now + *decision.retry_in);
    }
  }
};

}  // namespace

void run_async(const Settings& settings, AsyncEngine& engine, CallSpec spec,
               std::function<void(HttpResponse, std::exception_ptr)> done) {
  auto call = std::make_shared<AsyncCall>(settings, engine, std::move(spec), std::move(done));
  call->attempt({});
}

}  // namespace pixxel::internal
