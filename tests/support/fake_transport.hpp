#ifndef PIXXEL_TESTS_SUPPORT_FAKE_TRANSPORT_HPP_
#define PIXXEL_TESTS_SUPPORT_FAKE_TRANSPORT_HPP_

// A Transport that records requests and plays back scripted answers or errors, so that
// client logic is tested without sockets.

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pixxel/errors.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::testing {

class FakeTransport : public Transport {
 public:
  using Step = std::function<HttpResponse(const HttpRequest&)>;

  // Each send() takes the next step; when the script runs out, the last step repeats.
  void then(Step step) {
    std::lock_guard<std::mutex> lock(mutex_);
    steps_.push_back(std::move(step));
  }
  void then_answer(int status, std::string body, Headers headers = {}) {
    then([=](const HttpRequest&) { return HttpResponse{status, headers, body}; });
  }
  template <typename E>
  void then_throw(E error) {
    then([error](const HttpRequest&) -> HttpResponse { throw error; });
  }
  // A 2xx answer that breaks off after `keep` bytes of `body`: a streamed call gets its head
  // and those bytes, then a TransportError, as from a connection that dropped mid-body.
  void then_cut(int status, const std::string& body, std::size_t keep, Headers headers = {}) {
    HttpResponse partial{status, std::move(headers), body.substr(0, keep)};
    then([partial](const HttpRequest&) -> HttpResponse { throw Cut{partial}; });
  }

  HttpResponse send(const HttpRequest& request) override {
    Step step;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      if (steps_.empty()) throw std::logic_error("FakeTransport: no answer scripted");
      step = steps_.size() > 1 ? std::move(steps_.front()) : steps_.front();
      if (steps_.size() > 1) steps_.pop_front();
    }
    return step(request);
  }

  HttpResponse send_streaming(const HttpRequest& request, const StreamSink& sink) override {
    try {
      return Transport::send_streaming(request, sink);
    } catch (const Cut& cut) {
      if (sink.on_head) sink.on_head(cut.partial.status_code, cut.partial.headers);
      sink.on_body(cut.partial.body);
      throw TransportError("FakeTransport: connection closed mid-body", true);
    }
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  HttpRequest last() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_.back();
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_.size();
  }

 private:
  struct Cut {
    HttpResponse partial;
  };

  mutable std::mutex mutex_;
  std::deque<Step> steps_;
  std::vector<HttpRequest> requests_;
};

// Passes every request on to `inner` (a real transport, say) and records it first, so that
// a test sees every hop the client asked for, including those that never got an answer.
class RecordingTransport : public Transport {
 public:
  explicit RecordingTransport(std::shared_ptr<Transport> inner) : inner_(std::move(inner)) {}

  HttpResponse send(const HttpRequest& request) override {
    record(request);
    return inner_->send(request);
  }
  HttpResponse send_streaming(const HttpRequest& request, const StreamSink& sink) override {
    record(request);
    return inner_->send_streaming(request, sink);
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void record(const HttpRequest& request) {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
  }

  std::shared_ptr<Transport> inner_;
  mutable std::mutex mutex_;
  std::vector<HttpRequest> requests_;
};

}  // namespace pixxel::testing

#endif  // PIXXEL_TESTS_SUPPORT_FAKE_TRANSPORT_HPP_
