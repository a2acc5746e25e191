#ifndef PIXXEL_BODY_STREAM_HPP_
#define PIXXEL_BODY_STREAM_HPP_

// A 2xx answer's body handed over as it arrives rather than kept whole: how the SDK's own
// libcurl transport lets a call decode its answer while it downloads (the body need not be
// held next to its model). Other transports (a user's, the CLI's recording wrapper) keep
// whole bodies through the public Transport seam. Not public API.

#include <memory>
#include <string_view>
#include <utility>

#include "failure.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // A 2xx answer begins; its body (perhaps empty) follows. Called for each 2xx answer that
  // reaches the transfer's end or its first body byte: a retry's answer begins anew.
  virtual void begin() = 0;
  // The next piece of the body, decompressed. An exception ends the transfer and reaches the
  // caller.
  virtual void write(std::string_view piece) = 0;
};

// The SDK's libcurl transport's streamed send: as send, except that a 2xx body goes to
// `stream` (the answer's body stays empty) while max_response_bytes still applies to it. The
// pipeline looks for this interface on the client's transport; asynchronous calls stream
// through the transport's LoopDriver (start_streamed).
class BodyStreamingTransport {
 public:
  // The answer, or the failure as a value (what the pipeline takes).
  virtual Delivery deliver_streamed(const HttpRequest& request,
                                    const std::shared_ptr<BodyStream>& stream) = 0;
  // deliver_streamed with the failure raised as its public exception.
  HttpResponse send_streamed(const HttpRequest& request,
                             const std::shared_ptr<BodyStream>& stream) {
    Delivery delivered = deliver_streamed(request, stream);
    if (delivered.failure) raise(*delivered.failure);
    return std::move(delivered.response);
  }

 protected:
  ~BodyStreamingTransport() = default;
};

}  // namespace pixxel::internal

#endif  // PIXXEL_BODY_STREAM_HPP_
