#ifndef PIXXEL_CURL_EXCHANGE_HPP_
#define PIXXEL_CURL_EXCHANGE_HPP_

// The state of one HTTP exchange on one libcurl easy handle: options in, answer or typed
// error out. Used by the blocking transport and by the multi loop alike.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "body_stream.hpp"
#include "curl/handles.hpp"
#include "failure.hpp"
#include "pixxel/curl_transport.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

// How often a transport sends a request again after the server refused it unprocessed,
// before the refusal becomes the attempt's (not sent) TransportError.
constexpr int kMaxRefusedRepeats = 5;

// An easy handle (and so its connections) with what its requests have in common: the options
// that are the same for all of them, set once, and the request header lines of the last
// request, built again only when a request's headers differ. Its requests go through
// CurlExchange, one at a time.
class EasyHandle {
 public:
  EasyHandle() = default;
  CURL* get() const { return easy_.get(); }

 private:
  friend class CurlExchange;
  friend EasyHandle new_easy_handle(CURLSH* share, const CurlTransportOptions& options);
  // Declared before the handle, so destroyed after it: libcurl may read the list until then.
  CurlSlist header_list_;
  Headers header_source_;  // what header_list_ was built from
  CurlEasy easy_;
  CURLSH* share_ = nullptr;
  bool needs_reset_ = false;  // the last request did not end cleanly after one send
};

// A new easy handle with every option that is the same for all of its requests (the
// transport's: TLS, HTTP version, share, callbacks).
EasyHandle new_easy_handle(CURLSH* share, const CurlTransportOptions& options);

// For a repeat of a request first sent at `started` with `timeout`: sets `repeat.timeout` to
// what is left of it, and returns false when nothing is (a timeout of 0, none, stays so).
bool time_left(std::chrono::milliseconds timeout, std::chrono::steady_clock::time_point started,
               HttpRequest& repeat);

class CurlExchange {
 public:
  // Told of a GOAWAY read on the TLS connection `connection` (its tls_connection_id, never
  // reused), whatever exchange's transfer read it. Over HTTP/2 many exchanges share one
  // connection, and libcurl reports a GOAWAY to only one of them; a multi loop passes it on
  // to each of its exchanges (note_goaway). Without one, an exchange notes its own.
  using GoawayListener = std::function<void(std::uint64_t connection, long last_stream_id)>;

  // Sets every per-request option of `handle` (made by new_easy_handle with the same
  // `options`) for `request`. A handle whose last request did not end cleanly after one send
  // is replaced by a new one first (its CURL* changes): libcurl keeps state from a transfer
  // that curl_easy_reset does not clear (state.refused_stream, state.retrycount in 7.88). `handle`
  // must outlive the exchange; `request` (and `sink`) must outlive the transfer (nothing is
  // copied). With a sink, a 2xx body streams into it instead of being kept.
  CurlExchange(EasyHandle& handle, const HttpRequest& request, const CurlTransportOptions& options,
               const StreamSink* sink = nullptr);
  CurlExchange(const CurlExchange&) = delete;
  CurlExchange& operator=(const CurlExchange&) = delete;

  // A 2xx body goes to `stream` as it arrives instead of being kept (max_response_bytes
  // still applies); set before the transfer starts.
  void stream_body_to(std::shared_ptr<BodyStream> stream) { stream_ = std::move(stream); }

  // Turns the transfer's result into the answer, or its failure (transport, timeout,
  // too_large, or what the sink or the stream threw).
  Delivery finish(CURLcode code);

  // The cancellation of a transfer stopped before its end; it says whether any byte of the
  // request had left.
  Failure cancelled() const;

  // Whether any byte of the request has been written to a connection so far.
  bool wrote_any() const { return wrote_request(); }

  // Whether the transfer that finish() turned into an error was refused by the server without
  // being processed, so that it may be sent again on a new connection, even a POST.
  bool refused() const { return refused_; }

  void set_goaway_listener(GoawayListener listener) { goaway_listener_ = std::move(listener); }
  // Called (inside libcurl) when this exchange's request goes out as an HTTP/2 stream.
  void set_stream_listener(std::function<void()> listener) {
    stream_listener_ = std::move(listener);
  }
  // A GOAWAY arrived on `connection`, the server will process no stream above
  // `last_stream_id` there.
  void note_goaway(std::uint64_t connection, long last_stream_id);

 private:
  friend EasyHandle new_easy_handle(CURLSH* share, const CurlTransportOptions& options);
  // The options every request on a handle shares (see new_easy_handle).
  static void set_common_options(CURL* easy, CURLSH* share, const CurlTransportOptions& options);
  static size_t on_header(char* data, size_t size, size_t count, void* self);
  // on_header's work, which may throw.
  size_t take_header(std::string_view line);
  static size_t on_body(char* data, size_t size, size_t count, void* self);
  static int on_before_send(void* self, char* primary_ip, char* local_ip, int primary_port,
                            int local_port);
  static int on_debug(CURL* easy, curl_infotype type, char* data, size_t size, void* self);
  void on_info(std::string_view text);
  // Whether this try's stream is above the last stream id of a GOAWAY on its connection, with
  // no answer byte: the server never processed it.
  bool refused_by_goaway() const;
  // Whether any byte of this exchange's request has been written to a connection so far (a
  // proxy's CONNECT is not the request).
  bool wrote_request() const;
  // Whether the try that just ended was refused by the server unprocessed, as far as what
  // libcurl said proves it.
  bool last_try_refused() const;
  // ", through the proxy ADDRESS" when the transfer went through an HTTP proxy; else "".
  std::string proxy_note() const;
  // max_response_bytes, where 0 means no limit.
  std::size_t body_limit() const;

  CURL* easy_;
  EasyHandle& handle_;
  const HttpRequest& request_;
  const StreamSink* sink_;
  std::shared_ptr<BodyStream> stream_;
  std::size_t streamed_ = 0;  // the body bytes stream_ got
  HttpResponse response_;
  bool too_large_ = false;
  int streaming_ = -1;  // unknown until the first piece of body: then 1 (2xx) or 0
  int sends_ = 0;       // how often libcurl was about to send the request
  bool wrote_ = false;  // sticky: a byte of the request left on an earlier connection
  bool resend_refused_ = false;
  // HTTP/2, from libcurl's informational texts (see on_info): this try's stream id and the
  // connection it went out on, the last stream id of a GOAWAY on that connection, and
  // whether libcurl itself is about to send a refused stream again.
  long stream_id_ = -1;
  std::uint64_t connection_ = 0;
  long goaway_last_stream_ = -1;
  bool libcurl_resends_refused_ = false;
  // libcurl resent a try for another reason than a refusal it announced: its refusal flag
  // (state.refused_stream, which only that announcement clears) may be left over from that
  // try, so a later announcement proves nothing.
  bool refusal_text_stale_ = false;
  // An informational text could not be read (out of memory): what they say is not trusted.
  bool info_lost_ = false;
  bool refused_ = false;
  // The request and answer header sizes libcurl counted before the request's first send:
  // a proxy's CONNECT and its answer, which are not the request.
  long request_size_base_ = 0;
  long header_size_base_ = 0;
  // A failure inside one of libcurl's callbacks (never thrown through libcurl's C frames).
  std::string callback_failure_;
  GoawayListener goaway_listener_;
  std::function<void()> stream_listener_;
  // What the sink or the stream threw, read where it was caught (never thrown through
  // libcurl's C frames).
  std::optional<Failure> sink_failure_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

}  // namespace pixxel::internal

#endif  // PIXXEL_CURL_EXCHANGE_HPP_
