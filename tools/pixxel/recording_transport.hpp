// What --json prints: the API's answers as they arrived. The CLI's client sends through this
// wrapper of the libcurl transport, which keeps the bodies of the 2xx answers.
#ifndef PIXXEL_CLI_RECORDING_TRANSPORT_HPP_
#define PIXXEL_CLI_RECORDING_TRANSPORT_HPP_

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pixxel/transport.hpp"

namespace pixxel_cli {

// Forwards every call to `inner` and keeps the body of each 2xx answer to `send` and
// `send_async`, as received (after decompression). `send_streaming` is not recorded: it
// carries the signed-URL download, a file rather than an answer of the API.
//
// Thread safety: as any Transport, safe to call from many threads at once.
class RecordingTransport final : public pixxel::Transport {
 public:
  // keep_every_body: keep them all (for a command that prints each page it asked for);
  // otherwise only the last, so that a wait of many polls holds one.
  RecordingTransport(std::shared_ptr<pixxel::Transport> inner, bool keep_every_body);

  pixxel::HttpResponse send(const pixxel::HttpRequest& request) override;
  pixxel::HttpResponse send_streaming(const pixxel::HttpRequest& request,
                                      const pixxel::StreamSink& sink) override;
  bool send_async(pixxel::HttpRequest request, Completion done) override;
  bool supports_cancellation() const override;

  // The last 2xx body received, if any.
  std::optional<std::string> last_body() const;
  // Every 2xx body received, oldest first (only the last unless keep_every_body).
  std::vector<std::string> bodies() const;

 private:
  // Shared with asynchronous completions, which the inner transport may run after this
  // wrapper is gone (while it shuts down).
  struct Store {
    explicit Store(bool keep_every) : keep_every_body(keep_every) {}
    void record(const pixxel::HttpResponse& response);
    const bool keep_every_body;
    std::mutex mutex;
    std::vector<std::string> bodies;
  };

  const std::shared_ptr<pixxel::Transport> inner_;
  const std::shared_ptr<Store> store_;
};

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_RECORDING_TRANSPORT_HPP_
