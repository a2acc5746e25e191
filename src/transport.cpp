#include "pixxel/transport.hpp"

#include "text.hpp"

namespace pixxel {

HttpResponse Transport::send_streaming(const HttpRequest& request, const StreamSink& sink) {
  HttpResponse response = send(request);
  if (response.status_code >= 200 && response.status_code <= 299 && !response.body.empty()) {
    if (sink.on_head) sink.on_head(response.status_code, response.headers);
    sink.on_body(response.body);
    response.body.clear();
  }
  return response;
}

bool Transport::send_async(HttpRequest, Completion) { return false; }

bool Transport::supports_cancellation() const { return false; }

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (internal::iequals(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace pixxel
