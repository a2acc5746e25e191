#ifndef PIXXEL_CONNECTION_IMPL_HPP_
#define PIXXEL_CONNECTION_IMPL_HPP_

// The real Connection: the resolved settings, the clock, and the loop of its asynchronous
// calls, shared by every client made over it. Not public API.

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "async_engine.hpp"
#include "body_stream.hpp"
#include "decode/decode.hpp"
#include "failure.hpp"
#include "http_method.hpp"
#include "pipeline.hpp"
#include "pixxel/connection.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"
#include "settings.hpp"

namespace pixxel::internal {

// How a call's answer of type T decodes while it arrives: through BodyDecode of `Model`,
// which decodes exactly as `decoder` (decode_body<Model>) does. None for other answers
// (ping's is not JSON).
template <class T>
struct AnswerModel {
  static constexpr bool streams = false;
};
template <class T, T (*Decode)(std::string_view, std::string_view)>
struct StreamedAnswer {
  static constexpr bool streams = true;
  using Model = T;
  static constexpr auto decoder = Decode;
  static T take(T&& model) { return std::move(model); }
};
template <>
struct AnswerModel<Job> : StreamedAnswer<Job, &decode_job> {};
template <>
struct AnswerModel<DownloadLink> : StreamedAnswer<DownloadLink, &decode_download_link> {};
template <>
struct AnswerModel<CostEstimate> : StreamedAnswer<CostEstimate, &decode_cost_estimate> {};
template <>
struct AnswerModel<WorkflowPage> : StreamedAnswer<WorkflowPage, &decode_workflow_page> {};
template <>
struct AnswerModel<Workflow> : StreamedAnswer<Workflow, &decode_workflow> {};
template <>
struct AnswerModel<ProjectPage> : StreamedAnswer<ProjectPage, &decode_project_page> {};
template <>
struct AnswerModel<Project> : StreamedAnswer<Project, &decode_project> {};
template <>
struct AnswerModel<std::vector<Job>> {
  static constexpr bool streams = true;
  using Model = JobListDraft;
  static constexpr auto decoder = &decode_job_list;
  static std::vector<Job> take(JobListDraft&& list) { return std::move(list.jobs); }
};

// A 2xx answer's body decoded as it arrives (see BodyStream): each 2xx answer a call gets
// (a retry's, after one cut short) starts a new decode.
template <class T>
class AnswerStream final : public BodyStream {
 public:
  explicit AnswerStream(std::string secret) : secret_(std::move(secret)) {}
  void begin() override {
    decode_.reset();
    decode_.emplace(secret_);
  }
  void write(std::string_view piece) override { decode_->feed(piece); }
  // Whether a 2xx body came here, rather than in the answer.
  bool began() const { return decode_.has_value(); }
  T finish() { return AnswerModel<T>::take(decode_->finish()); }

 private:
  using Model = typename AnswerModel<T>::Model;
  std::string secret_;
  std::optional<BodyDecode<Model>> decode_;
};

class RealConnection final : public Connection {
 public:
  explicit RealConnection(ClientOptions options)
      : settings_(resolve_settings(std::move(options))) {}
  // Then engine_ goes first: its last callbacks (failing what is in flight) see closing().
  ~RealConnection() override { closing_ = true; }
  RealConnection(const RealConnection&) = delete;
  RealConnection& operator=(const RealConnection&) = delete;

  // True once the connection is being destroyed.
  bool closing() const { return closing_; }

  Job create_job(std::string_view workflow_id, std::string_view project_id,
                 const CallOptions& options) override;
  Job get_job(std::string_view workflow_id, std::string_view job_id,
              const CallOptions& options) override;
  std::vector<Job> list_jobs(std::string_view workflow_id, const ListJobsQuery& query,
                             const CallOptions& options) override;
  DownloadLink download_job(std::string_view workflow_id, std::string_view job_id,
                            const CallOptions& options) override;
  DownloadLink download_task(std::string_view workflow_id, std::string_view job_id,
                             std::string_view task_id, const CallOptions& options) override;
  CostEstimate estimate_cost(std::string_view workflow_id, const CallOptions& options) override;
  WorkflowPage list_workflows(const ListWorkflowsQuery& query, const CallOptions& options) override;
  Workflow get_workflow(std::string_view workflow_id, std::string_view project_id,
                        const CallOptions& options) override;
  ProjectPage list_projects(const ListProjectsQuery& query, const CallOptions& options) override;
  Project get_project(std::string_view project_id, const CallOptions& options) override;
  std::string ping(const CallOptions& options) override;
  std::future<Job> create_job_async(std::string_view workflow_id, std::string_view project_id,
                                    const CallOptions& options) override;
  std::future<Job> get_job_async(std::string_view workflow_id, std::string_view job_id,
                                 const CallOptions& options) override;
  std::future<Job> wait_for_job_async(std::string_view workflow_id, std::string_view job_id,
                                      const WaitOptions& wait, const CallOptions& options) override;
  // In download.cpp.
  std::uint64_t save_download(const DownloadLink& link, const std::string& path,
                              const SaveOptions& save, const CallOptions& options) override;
  const ClientOptions& options() const override { return settings_.options; }

  const Settings& settings() const { return settings_; }
  Clock& clock() const { return clock_; }

  // A call of `request` with `call`'s overrides of the client's timeout, retry policy and
  // cancellation. Throws InvalidArgumentError for bad overrides.
  CallSpec spec(HttpRequest request, const CallOptions& call) const;

  // `spec` run to its end on the calling thread: the 2xx answer, or the failure.
  Delivery deliver(CallSpec spec) {
    return run_call(settings_, std::move(spec), clock_, &blocking_workers_);
  }

  // `spec` run to its end: the 2xx answer, or throws the call's error (the public exception
  // made here, where the call leaves the SDK).
  HttpResponse call(CallSpec spec) {
    Delivery delivered = deliver(std::move(spec));
    if (delivered.failure) raise(*delivered.failure);
    return std::move(delivered.response);
  }

  // One of internal::decode_*: the body, and the key to redact from its errors.
  template <typename T>
  using Decoder = T (*)(std::string_view, std::string_view);

  // A decoded answer, or why there is none.
  template <typename T>
  struct Decoded {
    std::optional<T> value;
    std::optional<Failure> failure;
  };

  // The answer's body as a T, with the answer's status and request id on a decode failure.
  // `paid_since`: the answer is to a paid request (a POST) sent no earlier than that; a 2xx
  // that cannot be read then says the request's outcome is unknown (it was processed). What
  // the decoder throws besides DecodeError passes through.
  // `stream`: where the 2xx body went as it arrived, if it did (see answer_stream).
  template <typename T>
  Decoded<T> decode(const HttpResponse& response, Decoder<T> decoder,
                    std::optional<std::chrono::system_clock::time_point> paid_since = {},
                    AnswerStream<T>* stream = nullptr) const {
    try {
      if constexpr (AnswerModel<T>::streams) {
        if (stream != nullptr && stream->began()) return {stream->finish(), std::nullopt};
      }
      return {decoder(response.body, settings_.options.api_key), std::nullopt};
    } catch (const DecodeError& e) {
      Failure failure = Failure::decode(
          e.path(), redact(e.reason()), response.status_code,
          redact(find_header(response.headers, "X-Request-Id").value_or(std::string())));
      if (paid_since) {
        failure.outcome_unknown = true;
        failure.sent_at = paid_since;
      }
      return {std::nullopt, std::move(failure)};
    }
  }

  // Where `decoder`'s answer may go as it arrives, decoded on the way: nullptr when it
  // cannot (an answer that is not a model's).
  template <typename T>
  std::shared_ptr<AnswerStream<T>> answer_stream(Decoder<T> decoder) const {
    if (decoder != AnswerModel<T>::decoder) return nullptr;
    return std::make_shared<AnswerStream<T>>(settings_.options.api_key);
  }

  // `spec` run to its end and its answer decoded (see decode): as it arrives, where the
  // transport allows (see BodyStream), else from the whole body. Throws the call's error.
  template <typename T>
  T call_and_decode(CallSpec spec, Decoder<T> decoder) {
    std::optional<std::chrono::system_clock::time_point> paid_since;
    if (!is_idempotent(spec.request.method)) paid_since = std::chrono::system_clock::now();
    std::shared_ptr<AnswerStream<T>> stream;
    if constexpr (AnswerModel<T>::streams) {
      stream = answer_stream(decoder);
      spec.stream = stream;
    }
    Delivery delivered = deliver(std::move(spec));
    if (delivered.failure) raise(*delivered.failure);
    Decoded<T> decoded = decode(delivered.response, decoder, paid_since, stream.get());
    if (decoded.failure) raise(*decoded.failure);
    return std::move(*decoded.value);
  }

  // The call on the loop; `done` gets the decoded answer or the failure, on the loop's thread.
  // `build` checks the arguments and makes the request; its errors go to `done` too.
  template <typename Build, typename T>
  void start_async(Build build, const CallOptions& call, Decoder<T> decoder,
                   std::function<void(std::optional<T>, std::optional<Failure>)> done) {
    CallSpec call_spec;
    try {
      call_spec = spec(build(), call);
    } catch (const Error&) {
      done(std::nullopt, failure_of(std::current_exception()));
      return;
    }
    std::optional<std::chrono::system_clock::time_point> paid_since;
    if (!is_idempotent(call_spec.request.method)) paid_since = std::chrono::system_clock::now();
    std::shared_ptr<AnswerStream<T>> stream;
    if constexpr (AnswerModel<T>::streams) {
      stream = answer_stream(decoder);
      call_spec.stream = stream;
    }
    run_async(settings_, engine(), std::move(call_spec),
              [this, decoder, paid_since, stream, done = std::move(done)](Delivery delivered) {
                if (delivered.failure) {
                  done(std::nullopt, std::move(delivered.failure));
                  return;
                }
                Decoded<T> decoded;
                try {
                  decoded = decode(delivered.response, decoder, paid_since, stream.get());
                } catch (...) {
                  decoded.failure = failure_of(std::current_exception());
                }
                done(std::move(decoded.value), std::move(decoded.failure));
              });
  }

  // get_job on the loop: `done` gets the job or the failure on the loop's thread (each poll of
  // an asynchronous wait).
  void start_get_job(std::string_view workflow_id, std::string_view job_id,
                     const CallOptions& options,
                     std::function<void(std::optional<Job>, std::optional<Failure>)> done);

  // start_async, answered through a future: the public exception is made here.
  template <typename Build, typename T>
  std::future<T> call_async(Build build, const CallOptions& call, Decoder<T> decoder) {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    start_async(build, call, decoder,
                std::function<void(std::optional<T>, std::optional<Failure>)>(
                    [promise](std::optional<T> value, std::optional<Failure> failure) {
                      if (failure) {
                        promise->set_exception(to_exception(*failure));
                      } else {
                        promise->set_value(std::move(*value));
                      }
                    }));
    return future;
  }

  std::string redact(std::string text) const {
    return internal::redact(std::move(text), settings_.options.api_key);
  }

  AsyncEngine& engine() {
    // Started by the first asynchronous call, so that a connection that makes none has no
    // thread.
    std::call_once(engine_once_, [this] {
      engine_ = std::make_unique<AsyncEngine>(settings_.options.transport,
                                              settings_.options.max_concurrent_requests);
    });
    return *engine_;
  }

 private:
  Settings settings_;
  Clock& clock_ = Clock::real();
  std::atomic<bool> closing_{false};
  // The exchanges a cancelled blocking call left to finish unheard on a transport that
  // cannot be interrupted; joined when the connection goes.
  WorkerPool blocking_workers_;
  std::once_flag engine_once_;
  // Last: destroyed first, failing the calls in flight while the rest is still alive.
  std::unique_ptr<AsyncEngine> engine_;
};

}  // namespace pixxel::internal

#endif  // PIXXEL_CONNECTION_IMPL_HPP_
