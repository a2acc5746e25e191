#include "pipeline.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "http_method.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/request_event.hpp"
#include "redact.hpp"
#include "redirect.hpp"
#include "text.hpp"

namespace pixxel::internal {

using std::chrono::milliseconds;

namespace {

void notify(const Settings& settings, const HttpRequest& request, int attempt,
            const Outcome& outcome, milliseconds elapsed,
            std::optional<milliseconds> retry_delay) noexcept {
  const auto& observer = settings.options.on_request;
  if (!observer) return;
  try {
    const std::string& key = settings.options.api_key;
    Headers headers = request.headers;
    for (auto& [name, value] : headers) {
      value = iequals(name, "Authorization") ? "***" : redact(std::move(value), key);
    }
    observer(RequestEvent{request.method, redact(loggable_url(request), key), attempt,
                          outcome.status, elapsed, outcome.error_text, std::move(headers),
                          retry_delay});
  } catch (...) {
    // An observer must not turn a finished call (perhaps a created job) into a failure.
  }
}

// Whether an attempt that ended so may have reached the server and acted on the request: not
// when it provably never left, nor when the server said it did nothing (429, 503).
bool may_have_acted(const HttpResponse& response, const std::optional<Failure>& failure) {
  if (!failure) return response.status_code != 429 && response.status_code != 503;
  switch (failure->kind) {
    case Failure::Kind::cancelled:
    case Failure::Kind::transport:
    case Failure::Kind::timeout:
    case Failure::Kind::redirect_refused:
      return failure->request_sent;
    case Failure::Kind::api:
      return failure->status != 429 && failure->status != 503;
    default:
      // A 2xx the call could not take (too large, shorter than announced): it was processed.
      return true;
  }
}

}  // namespace

bool Attempts::paid() const { return !is_idempotent(spec_.request.method); }

void Attempts::note_outcome(int status, const std::optional<Failure>& failure) {
  if (!paid() || unknown_) return;
  if (hop_ > 0) {
    // The request was answered with a redirect (a 303 to what it created): whatever the
    // later hops said, the server may have acted on it.
    unknown_ = true;
  } else if (status != 0) {
    // 4xx: refused; 503: not done (RFC 9110 15.6.4). Any other 5xx may come after the work.
    unknown_ = status >= 500 && status != 503;
  } else if (failure) {
    unknown_ = may_have_acted({}, failure);
  }
}

Failure Attempts::concluded(Failure error) const {
  error.outcome_unknown = unknown_;
  error.sent_at = sent_ ? sent_at_ : std::nullopt;
  return error;
}

Failure Attempts::cancelled_error() const {
  std::string what = spec_.request.method + " " +
                     redact(loggable_url(spec_.request), settings_.options.api_key) + ": cancelled";
  if (unknown_) what += "; the request was sent, so the server may have acted on it";
  return concluded(Failure::cancelled(std::move(what), sent_));
}

Failure Attempts::abandon(Failure error) {
  if (may_have_acted({}, error)) {
    sent_ = true;
    if (!sent_at_) sent_at_ = started_wall_;
  }
  note_outcome(0, error);
  return concluded(std::move(error));
}

Delivery send_cancellable(const std::shared_ptr<Transport>& transport, const HttpRequest& request,
                          const StreamSink* sink, WorkerPool* workers,
                          const std::shared_ptr<BodyStream>& stream) {
  // The SDK's libcurl transport ends a cancelled transfer itself: no thread of its own.
  if (stream != nullptr) {
    if (auto* streaming = dynamic_cast<BodyStreamingTransport*>(transport.get())) {
      return streaming->deliver_streamed(request, stream);
    }
  }
  if (!request.cancel.can_be_cancelled() || transport->supports_cancellation() ||
      workers == nullptr) {
    // The transport's seam: what it throws is read here, once.
    try {
      return {
          sink != nullptr ? transport->send_streaming(request, *sink) : transport->send(request),
          std::nullopt};
    } catch (...) {
      return {{}, failure_of(std::current_exception())};
    }
  }
  if (request.cancel.cancelled()) {
    return {
        {},
        Failure::cancelled(request.method + " " + loggable_url(request) + ": cancelled", false)};
  }
  // Shared with the thread that sends: it may outlive this call.
  struct Exchange {
    std::mutex mutex;
    std::condition_variable cv;
    bool finished = false;
    bool abandoned = false;  // the caller left: the sink must not be called any more
    Delivery delivered;
  };
  auto exchange = std::make_shared<Exchange>();
  // The sink is the caller's: it is called under the lock, and never once the caller left.
  StreamSink forward;
  if (sink != nullptr) {
    forward.on_head = [exchange, sink](int status, const Headers& headers) {
      std::lock_guard<std::mutex> lock(exchange->mutex);
      if (exchange->abandoned) throw CancelledError("cancelled", true);
      if (sink->on_head) sink->on_head(status, headers);
    };
    forward.on_body = [exchange, sink](std::string_view chunk) {
      std::lock_guard<std::mutex> lock(exchange->mutex);
      if (exchange->abandoned) throw CancelledError("cancelled", true);
      sink->on_body(chunk);
    };
  }
  // On a thread the client owns (its destruction waits for the send), not one that could
  // outlive it.
  workers->run([exchange, transport, request, forward, streaming = sink != nullptr] {
    Delivery delivered;
    // The transport's seam: what it throws is read here, once.
    try {
      delivered.response =
          streaming ? transport->send_streaming(request, forward) : transport->send(request);
    } catch (...) {
      delivered.failure = failure_of(std::current_exception());
    }
    {
      std::lock_guard<std::mutex> lock(exchange->mutex);
      exchange->finished = true;
      exchange->delivered = std::move(delivered);
    }
    exchange->cv.notify_all();
  });
  auto registration = request.cancel.on_cancel([exchange] {
    { std::lock_guard<std::mutex> lock(exchange->mutex); }
    exchange->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(exchange->mutex);
  exchange->cv.wait(lock, [&] { return exchange->finished || request.cancel.cancelled(); });
  if (!exchange->finished) {
    exchange->abandoned = true;
    return {{},
            Failure::cancelled(request.method + " " + loggable_url(request) +
                                   ": cancelled; the transport cannot be interrupted, so the "
                                   "request may still reach the server",
                               true)};
  }
  return std::move(exchange->delivered);
}

const HttpRequest& Attempts::start() {
  ++attempt_;
  hop_ = 0;
  redirected_.reset();
  if (spec_.prepare) prepared_ = spec_.prepare(spec_.request);
  return first();
}

Attempts::Hop Attempts::next_hop(const HttpResponse& response, Clock::time_point now) {
  std::optional<HttpRequest> next;
  try {
    next = follow_redirect(current(), response, hop_, settings_.base.origin,
                           settings_.options.allow_insecure_http, now, started_ + first().timeout);
  } catch (...) {
    return {nullptr, failure_of(std::current_exception())};
  }
  if (!next) return {};
  // A redirect is an answer: the request reached a server, which may have acted on it.
  sent_ = true;
  ++hop_;
  redirected_ = std::move(*next);
  return {&*redirected_, std::nullopt};
}

Attempts::Decision Attempts::finish(HttpResponse response, std::optional<Failure> failure,
                                    Clock::time_point now) {
  if (!failure && spec_.check && response.status_code >= 200 && response.status_code <= 299) {
    try {
      spec_.check(response);
    } catch (...) {
      failure = failure_of(std::current_exception());
      if (failure->kind == Failure::Kind::foreign) {
        // Not the SDK's error: it ends the call as it is, with nothing to report or retry.
        return {{}, std::move(failure), std::nullopt};
      }
    }
  }
  Decision decision;
  // A later hop that never left (a refused connect to where a 303 pointed) does not make the
  // request unsent: its first hop was answered.
  if (hop_ > 0 && failure) failure = as_sent(std::move(*failure));
  // A hop after the first means the request was answered (a redirect): it reached a server.
  if (hop_ > 0 || may_have_acted(response, failure)) {
    sent_ = true;
    if (!sent_at_) sent_at_ = started_wall_;
  }
  const int status = failure ? 0 : response.status_code;
  if (failure || status < 200 || status > 299) note_outcome(status, failure);
  if (failure && failure->kind == Failure::Kind::cancelled) failure = cancelled_error();
  Outcome outcome = classify(first(), spec_.retry, std::move(response), std::move(failure),
                             settings_.options.api_key);
  // Decided before on_request is told, so that the event can say how long the pause will be.
  // A paid request that may have been acted on is not sent again unasked, whatever a later
  // hop answered (a 303 whose GET got a 503 would otherwise re-run the POST).
  if (outcome.error && !(unknown_ && !spec_.retry.retry_non_idempotent)) {
    decision.retry_in = next_delay(spec_.retry, outcome, attempt_);
  }
  notify(settings_, first(), attempt_, outcome,
         std::chrono::duration_cast<milliseconds>(now - started_), decision.retry_in);
  if (!outcome.error) {
    decision.response = std::move(outcome.response);
    return decision;
  }
  decision.error = concluded(std::move(*outcome.error));
  return decision;
}

Delivery run_call(const Settings& settings, CallSpec spec, Clock& clock, WorkerPool* workers) {
  const std::shared_ptr<Transport>& transport = settings.options.transport;
  Attempts attempts(settings, std::move(spec));
  const StreamSink* sink = attempts.spec().sink;
  for (;;) {
    if (attempts.cancel().cancelled()) return {{}, attempts.cancelled_error()};
    const HttpRequest* request = nullptr;
    try {
      request = &attempts.start();
    } catch (...) {
      // spec.prepare's error, as it was thrown.
      return {{}, failure_of(std::current_exception())};
    }
    attempts.started(clock.now());
    HttpResponse response;
    std::optional<Failure> failure;
    for (;;) {
      Delivery sent = send_cancellable(transport, *request, sink, workers, attempts.spec().stream);
      if (sent.failure) {
        failure = std::move(sent.failure);
        break;
      }
      response = std::move(sent.response);
      auto hop = attempts.next_hop(response, clock.now());
      if (hop.refused) failure = std::move(hop.refused);
      if (hop.next == nullptr) break;
      request = hop.next;
    }
    if (failure && failure->kind == Failure::Kind::foreign) return {{}, std::move(failure)};
    auto decision = attempts.finish(std::move(response), std::move(failure), clock.now());
    if (!decision.error) return {std::move(decision.response), std::nullopt};
    if (!decision.retry_in) return {{}, std::move(decision.error)};
    if (!clock.nap(*decision.retry_in, attempts.cancel())) {
      return {{}, attempts.cancelled_error()};
    }
  }
}

HttpResponse run_blocking(const Settings& settings, CallSpec spec, Clock& clock,
                          WorkerPool* workers) {
  Delivery delivered = run_call(settings, std::move(spec), clock, workers);
  if (delivered.failure) raise(*delivered.failure);
  return std::move(delivered.response);
}

namespace {

// The system-clock time of a moment on the engine's (steady) clock.
std::chrono::system_clock::time_point wall_clock(AsyncEngine::Clock::time_point when) {
  const auto ago = AsyncEngine::Clock::now() - when;
  return std::chrono::system_clock::now() -
         std::chrono::duration_cast<std::chrono::system_clock::duration>(ago);
}

// An asynchronous call between its steps: owned by the engine's callbacks.
struct AsyncCall : std::enable_shared_from_this<AsyncCall> {
  AsyncCall(const Settings& settings, AsyncEngine& e, CallSpec spec,
            std::function<void(Delivery)> d)
      : attempts(settings, std::move(spec)), engine(e), done(std::move(d)) {}

  Attempts attempts;
  AsyncEngine& engine;
  std::function<void(Delivery)> done;
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
        not_before, continuation, attempts.spec().stream);
  }

  // A result that never reached the transport carries no start: it counts from now.
  void note_started(AsyncEngine::Clock::time_point started) {
    if (started == AsyncEngine::Clock::time_point{}) {
      attempts.started(AsyncEngine::Clock::now());
    } else {
      attempts.started(started, wall_clock(started));
    }
  }

  void on_result(AsyncEngine::Result result) {
    std::optional<Failure> failure = std::move(result.error);
    if (result.shutting_down) {
      if (first_hop) note_started(result.started);
      done({{}, attempts.abandon(failure ? std::move(*failure) : shutdown_error(false))});
      return;
    }
    if (result.cancelled_unsent) {
      // Cancelled while it waited for its time or a slot: this attempt never went out.
      done({{}, attempts.cancelled_error()});
      return;
    }
    if (first_hop) note_started(result.started);
    first_hop = false;
    const auto now = AsyncEngine::Clock::now();
    if (!failure) {
      auto hop = attempts.next_hop(result.response, now);
      if (hop.next != nullptr) {
        // The next hop keeps the attempt's place: it goes ahead of queued calls.
        send(*hop.next, {}, true);
        return;
      }
      failure = std::move(hop.refused);
    }
    auto decision = attempts.finish(std::move(result.response), std::move(failure), now);
    if (!decision.error) {
      done({std::move(decision.response), std::nullopt});
    } else if (!decision.retry_in) {
      done({{}, std::move(decision.error)});
    } else {
      attempt(now + *decision.retry_in);
    }
  }
};

}  // namespace

void run_async(const Settings& settings, AsyncEngine& engine, CallSpec spec,
               std::function<void(Delivery)> done) {
  auto call = std::make_shared<AsyncCall>(settings, engine, std::move(spec), std::move(done));
  call->attempt({});
}

}  // namespace pixxel::internal
