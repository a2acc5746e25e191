#include "recording_transport.hpp"

#include <exception>
#include <utility>

namespace pixxel_cli {

RecordingTransport::RecordingTransport(std::shared_ptr<pixxel::Transport> inner,
                                       bool keep_every_body)
    : inner_(std::move(inner)), store_(std::make_shared<Store>(keep_every_body)) {}

pixxel::HttpResponse RecordingTransport::send(const pixxel::HttpRequest& request) {
  pixxel::HttpResponse response = inner_->send(request);
  store_->record(response);
  return response;
}

pixxel::HttpResponse RecordingTransport::send_streaming(const pixxel::HttpRequest& request,
                                                        const pixxel::StreamSink& sink) {
  return inner_->send_streaming(request, sink);
}

bool RecordingTransport::send_async(pixxel::HttpRequest request, Completion done) {
  return inner_->send_async(std::move(request),
                            [store = store_, done = std::move(done)](pixxel::HttpResponse response,
                                                                     std::exception_ptr error) {
                              if (!error) store->record(response);
                              done(std::move(response), std::move(error));
                            });
}

bool RecordingTransport::supports_cancellation() const { return inner_->supports_cancellation(); }

std::optional<std::string> RecordingTransport::last_body() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  if (store_->bodies.empty()) return std::nullopt;
  return store_->bodies.back();
}

std::vector<std::string> RecordingTransport::bodies() const {
  std::lock_guard<std::mutex> lock(store_->mutex);
  return store_->bodies;
}

void RecordingTransport::Store::record(const pixxel::HttpResponse& response) {
  if (response.status_code < 200 || response.status_code > 299) return;
  std::lock_guard<std::mutex> lock(mutex);
  if (!keep_every_body) bodies.clear();
  bodies.push_back(response.body);
}

}  // namespace pixxel_cli
