#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <mutex>
#include <utility>

#include "curl/exchange.hpp"
#include "curl/info_text.hpp"
#include "curl/tls_sessions.hpp"

#include "http_method.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"
#include "text.hpp"

namespace pixxel {
namespace internal {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw ConfigurationError("libcurl could not be initialised");
    }
  });
}

namespace {

void set(CURL* easy, CURLoption option, long value) { curl_easy_setopt(easy, option, value); }

long to_curl_ms(std::chrono::milliseconds ms) {
  return ms.count() <= 0 ? 0L : static_cast<long>(ms.count());
}

// Whether two absolute URLs have the same scheme, host and port (as written).
bool same_origin(std::string_view a, std::string_view b) {
  // One pass per URL (this runs before every request).
  const auto end = [](std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return url.size();
    for (std::size_t i = scheme + 3; i < url.size(); ++i) {
      if (url[i] == '/' || url[i] == '?' || url[i] == '#') return i;
    }
    return url.size();
  };
  return a.substr(0, end(a)) == b.substr(0, end(b));
}

// The number after `key` in `text`, or -1.
long number_after(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return -1;
  const char* first = text.data() + at + key.size();
  long value = -1;
  auto [ptr, ec] = std::from_chars(first, text.data() + text.size(), value);
  return ec == std::errc() ? value : -1;
}

// libcurl's words for a failure, once: its error buffer often ends with the text of
// curl_easy_strerror ("Failed to connect to ... after 0 ms: Couldn't connect to server").
std::string curl_failure_text(CURLcode code, const char* buffer) {
  const std::string summary = curl_easy_strerror(code);
  const std::string detail = buffer;
  if (detail.empty()) return summary;
  if (detail.find(summary) != std::string::npos) return detail;
  return summary + " (" + detail + ")";
}

// An https:// URL to a port that speaks plain HTTP: the TLS library reads the server's
// "HTTP/1.1 ..." as a TLS record and reports a nonsense version (OpenSSL 3.0: "wrong version
// number"; 3.2 and later: "packet length too long"), which says nothing to the reader.
bool looks_like_plain_http(CURLcode code, const char* buffer) {
  if (code != CURLE_SSL_CONNECT_ERROR) return false;
  const std::string detail = buffer;
  return detail.find("wrong version number") != std::string::npos ||
         detail.find("packet length too long") != std::string::npos;
}

// The request header lines for libcurl.
CurlSlist header_lines(const Headers& headers) {
  CurlSlist list;
  auto append = [&](const std::string& line) {
    curl_slist* head = curl_slist_append(list.get(), line.c_str());
    if (head == nullptr) throw TransportError("out of memory building request headers", false);
    // The head only changes on the first append; the old one is the same list.
    list.release();
    list.reset(head);
  };
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "Content-Type")) has_content_type = true;
    // "Name;" is libcurl's spelling of a header with an empty value.
    append(value.empty() ? name + ";" : name + ": " + value);
  }
  // Without these, libcurl would add a form Content-Type to a POST and wait for
  // 100-continue on large bodies.
  if (!has_content_type) append("Content-Type:");
  append("Expect:");
  return list;
}

// The most an announced Content-Length makes the exchange allocate before the body arrives:
// an announcement is the server's word, and a body larger than this grows as it comes.
constexpr std::size_t kMaxPreallocatedBody = std::size_t{32} << 20;

// A size for libcurl, which takes no more than INT64_MAX.
curl_off_t to_curl_size(std::size_t bytes) {
  return bytes > static_cast<std::size_t>(std::numeric_limits<curl_off_t>::max())
             ? std::numeric_limits<curl_off_t>::max()
             : static_cast<curl_off_t>(bytes);
}

// Whole seconds, rounded up, for CURLOPT_LOW_SPEED_TIME (a long); never overflows.
long to_curl_seconds(std::chrono::milliseconds ms) {
  const auto count = ms.count();
  if (count <= 0) return 0;
  const auto seconds = count / 1000 + (count % 1000 != 0 ? 1 : 0);
  return seconds > std::numeric_limits<long>::max() ? std::numeric_limits<long>::max()
                                                    : static_cast<long>(seconds);
}

}  // namespace

bool time_left(std::chrono::milliseconds timeout, std::chrono::steady_clock::time_point started,
               HttpRequest& repeat) {
  if (timeout.count() <= 0) return true;
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  repeat.timeout = timeout - spent;
  return repeat.timeout.count() > 0;
}

// What every request on a handle shares, set when it is made (and again after a reset):
// setting it for each request (curl_easy_reset and all) cost more client CPU than the rest of
// the SDK's per-call work. CurlExchange sets, or clears, every option that varies per request.
void CurlExchange::set_common_options(CURL* easy, CURLSH* share,
                                      const CurlTransportOptions& options) {
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  // Signals cannot be used for timeouts in a multi-threaded program.
  set(easy, CURLOPT_NOSIGNAL, 1L);
  if (share != nullptr) curl_easy_setopt(easy, CURLOPT_SHARE, share);
  // The client follows redirects itself, so that it alone decides where the key may go.
  set(easy, CURLOPT_FOLLOWLOCATION, 0L);
  // Ids are percent-encoded, and no path may be rewritten on the way out.
  set(easy, CURLOPT_PATH_AS_IS, 1L);
  // "" offers every encoding libcurl can decode, and makes it decode them.
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  set(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  // 2TLS: HTTP/2 only where TLS's ALPN agrees on it; plain http:// stays HTTP/1.1.
  set(easy, CURLOPT_HTTP_VERSION,
      options.http_version == HttpVersion::http1_1 ? static_cast<long>(CURL_HTTP_VERSION_1_1)
                                                   : static_cast<long>(CURL_HTTP_VERSION_2TLS));
  set(easy, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  set(easy, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_bundle.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_bundle.c_str());
  // So that every connection after the first resumes the TLS session, over TLS 1.3 too.
  copy_tls_sessions_per_connection(easy);
  // libcurl sends a request again, on a new connection, when a reused connection closes
  // before any answer byte (lib/transfer.c Curl_retry_request), for POST too. The server may
  // have acted on the first copy, so only an idempotent request may go again unseen; this
  // hook runs before every send, the silent resend included.
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &CurlExchange::on_before_send);
  curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, &CurlExchange::on_debug);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &CurlExchange::on_header);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &CurlExchange::on_body);
}

EasyHandle new_easy_handle(CURLSH* share, const CurlTransportOptions& options) {
  EasyHandle handle;
  handle.easy_.reset(curl_easy_init());
  if (!handle.easy_) throw TransportError("libcurl could not create a handle", false);
  handle.share_ = share;
  CurlExchange::set_common_options(handle.get(), share, options);
  return handle;
}

CurlExchange::CurlExchange(EasyHandle& handle, const HttpRequest& request,
                           const CurlTransportOptions& options, const StreamSink* sink)
    : easy_(handle.get()), handle_(handle), request_(request), sink_(sink) {
  if (handle.needs_reset_) {
    // The last request on this handle failed, or libcurl sent it more than once. libcurl 7.88
    // keeps state from it that curl_easy_reset does not clear: state.refused_stream (set by a
    // refused HTTP/2 stream, cleared on one branch of Curl_retry_request only), which would
    // make a later processed request look refused and be sent again; state.retrycount.
    // A new handle has none of it (the connections stay in the multi handle's cache).
    CurlEasy fresh(curl_easy_init());
    if (!fresh) throw TransportError("libcurl could not create a handle", false);
    set_common_options(fresh.get(), handle.share_, options);
    handle.easy_ = std::move(fresh);
    handle.header_list_.reset();
    handle.header_source_.clear();
    handle.needs_reset_ = false;
    easy_ = handle.get();
  }
  CURL* easy = easy_;
  // Until finish() sees a clean end, the next request on this handle starts from a reset.
  handle.needs_reset_ = true;
  // Whether this handle's last request went to the same origin over HTTP/1.1: then this one
  // most likely reuses that connection, and needs no HTTP/2 bookkeeping (see on_info).
  long last_version = CURL_HTTP_VERSION_NONE;
  char* last_url = nullptr;
  curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &last_version);
  curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &last_url);
  const bool last_was_http1 = last_version == CURL_HTTP_VERSION_1_1 && last_url != nullptr &&
                              same_origin(last_url, request.url);
  // The handle keeps its options from one request to the next (see new_easy_handle): each
  // one a request may set is set here, or put back to libcurl's default.
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_);
  set(easy, CURLOPT_CONNECTTIMEOUT_MS, to_curl_ms(request.connect_timeout));
  set(easy, CURLOPT_TIMEOUT_MS, to_curl_ms(request.timeout));
  // Rejects an announced Content-Length early; on_body enforces the cap for the rest.
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                   to_curl_size(sink_ == nullptr ? request.max_response_bytes : 0));
  // Fewer than 1 byte/s for that many seconds counts as a stall; 0 turns the check off.
  const long stall_seconds = to_curl_seconds(request.stall_timeout);
  set(easy, CURLOPT_LOW_SPEED_LIMIT, stall_seconds > 0 ? 1L : 0L);
  set(easy, CURLOPT_LOW_SPEED_TIME, stall_seconds);

  // The method, from whatever the last request left: no custom verb, no body, not HEAD.
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, static_cast<char*>(nullptr));
  if (request.method == "GET" || request.method == "HEAD") {
    // Drops the last request's body pointer (setting it makes the method POST: set first).
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, static_cast<char*>(nullptr));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(-1));
    set(easy, CURLOPT_HTTPGET, 1L);
    if (request.method == "HEAD") set(easy, CURLOPT_NOBODY, 1L);
  } else {
    set(easy, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  if (handle.header_list_ == nullptr || handle.header_source_ != request.headers) {
    // Both made before either is replaced: a failure leaves the pair as it was.
    CurlSlist lines = header_lines(request.headers);
    Headers source = request.headers;
    handle.header_list_ = std::move(lines);
    handle.header_source_ = std::move(source);
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, handle.header_list_.get());

  const bool https_automatic =
      options.http_version == HttpVersion::automatic && request.url.compare(0, 8, "https://") == 0;
  // In a multi handle, wait for a connection being set up that may turn out to multiplex
  // (ALPN says so at the end of its TLS handshake) rather than open one more per request.
  // Not without TLS: there libcurl learns that a connection does not multiplex only from its
  // first answer, and would hold every other request until then.
  set(easy, CURLOPT_PIPEWAIT, https_automatic ? 1L : 0L);
  // libcurl 7.88 tells what an HTTP/2 refusal needs (stream ids, GOAWAY) only in its
  // informational texts: see on_info. They come to on_debug, never to stderr. They cost
  // CPU on every request, so not where the connection is most likely HTTP/1.1; should it
  // be HTTP/2 after all, a refusal there stays an error that may have been sent (safe).
  set(easy, CURLOPT_VERBOSE, https_automatic && !last_was_http1 ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_DEBUGDATA, this);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, this);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
}

std::size_t CurlExchange::body_limit() const {
  return request_.max_response_bytes == 0 ? static_cast<std::size_t>(-1)
                                          : request_.max_response_bytes;
}

bool CurlExchange::wrote_request() const {
  // libcurl asks on_before_send before each send of the request, after the connection (and a
  // proxy's tunnel, and TLS) is set up: without that, nothing of the request left.
  if (sends_ == 0) return wrote_;
  // CURLINFO_REQUEST_SIZE counts the request bytes the socket accepted (lib/http.c
  // Curl_buffer_send) and adds up over libcurl's own resends; what did not fit in one write
  // goes out later as upload data; and an answer byte proves the request arrived. Both
  // sizes count a proxy's CONNECT and its answer too (lib/http_proxy.c), which the bases
  // taken before the first send leave out. A later try's new tunnel counts as the request:
  // in doubt, sent.
  long request_size = 0;
  long header_size = 0;
  curl_off_t uploaded = 0;
  curl_easy_getinfo(easy_, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(easy_, CURLINFO_HEADER_SIZE, &header_size);
  curl_easy_getinfo(easy_, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  return wrote_ || request_size > request_size_base_ || header_size > header_size_base_ ||
         uploaded > 0;
}

bool CurlExchange::last_try_refused() const {
  if (info_lost_) return false;
  // "REFUSED_STREAM, retrying a fresh connect" is true of this try only when libcurl's
  // refusal flag cannot be left over from an earlier one (see refusal_text_stale_); a handle
  // starts without it (see the constructor).
  return (libcurl_resends_refused_ && !refusal_text_stale_) || refused_by_goaway();
}

std::string CurlExchange::proxy_note() const {
  long connect_code = 0;
  curl_easy_getinfo(easy_, CURLINFO_HTTP_CONNECTCODE, &connect_code);
  if (connect_code == 0) return {};
  // The proxy's address, never its URL (which may hold a user name and password).
  char* ip = nullptr;
  long port = 0;
  curl_easy_getinfo(easy_, CURLINFO_PRIMARY_IP, &ip);
  curl_easy_getinfo(easy_, CURLINFO_PRIMARY_PORT, &port);
  std::string note = ", through the proxy";
  if (ip != nullptr && *ip != '\0') {
    note += std::string(" ") + ip + ":" + std::to_string(port);
  }
  if (connect_code < 200 || connect_code > 299) {
    note += ", which refused the tunnel (CONNECT answered " + std::to_string(connect_code) + ")";
  }
  return note;
}

bool CurlExchange::refused_by_goaway() const {
  if (stream_id_ < 0 || goaway_last_stream_ < 0 || stream_id_ <= goaway_last_stream_) return false;
  // Beyond doubt: no answer byte came (libcurl resends nothing that got one either).
  long header_size = 0;
  curl_easy_getinfo(easy_, CURLINFO_HEADER_SIZE, &header_size);
  return header_size == 0;
}

int CurlExchange::on_before_send(void* self_ptr, char*, char*, int, int) {
  auto* self = static_cast<CurlExchange*>(self_ptr);
  if (self->sends_ == 0) {
    curl_easy_getinfo(self->easy_, CURLINFO_REQUEST_SIZE, &self->request_size_base_);
    curl_easy_getinfo(self->easy_, CURLINFO_HEADER_SIZE, &self->header_size_base_);
  }
  // libcurl resends a refused stream itself, on a new connection; on a multiplexed (reused)
  // connection it says nothing about the refusal then, so the GOAWAY must tell.
  const bool refused = self->last_try_refused();
  const bool announced = self->libcurl_resends_refused_;
  // A new try on a new connection: what was known of the last one no longer applies.
  self->stream_id_ = -1;
  self->connection_ = 0;
  self->goaway_last_stream_ = -1;
  self->libcurl_resends_refused_ = false;
  if (self->sends_++ > 0) {
    if (!announced) self->refusal_text_stale_ = true;
    // The server never processed a refused try: sending it again is safe, even a POST.
    if (refused) return CURL_PREREQFUNC_OK;
    // Anything else that wrote a byte may have been processed: libcurl's own resend of it
    // (a reused connection that closed without an answer) is only for what may go twice.
    self->wrote_ = self->wrote_ || self->wrote_request();
    if (self->wrote_ && !is_idempotent(self->request_.method)) {
      self->resend_refused_ = true;
      return CURL_PREREQFUNC_ABORT;
    }
  }
  return CURL_PREREQFUNC_OK;
}

int CurlExchange::on_debug(CURL*, curl_infotype type, char* data, size_t size, void* self_ptr) {
  if (type != CURLINFO_TEXT) return 0;
  auto* self = static_cast<CurlExchange*>(self_ptr);
  // Nothing may unwind through libcurl: a text that could not be read is distrusted instead.
  try {
    self->on_info({data, size});
  } catch (...) {
    self->info_lost_ = true;
  }
  return 0;
}

// What an HTTP/2 refusal looks like from here, in libcurl 7.88 (lib/http2.c, lib/transfer.c).
// A server refuses a stream it never processed with RST_STREAM(REFUSED_STREAM), or with a
// GOAWAY whose last stream id is below it (RFC 9113 sections 6.8 and 8.7: either way the
// request may be sent again, even a POST). nghttp2 closes such a stream with the error
// REFUSED_STREAM; libcurl then either sends the request again itself on a new connection
// (Curl_retry_request, saying "REFUSED_STREAM, retrying a fresh connect" to this transfer
// first), or, when that stream was the session's last business, fails the transfer with
// CURLE_HTTP2 or CURLE_HTTP2_STREAM, or CURLE_SEND_ERROR/RECV_ERROR when the connection
// closed meanwhile: codes a processed request can end with too. So a refusal is only taken
// from what the texts prove: libcurl's own resend of a refused stream, or this transfer's
// stream id ("Using Stream ID: N") above the last stream id of a GOAWAY read on the same
// connection ("recveived GOAWAY, error=E, last_stream=L"; libcurl says that to whichever
// transfer read the frame, hence the listener). A stream refused by RST_STREAM alone that
// libcurl does not resend proves nothing here, and stays a sent request. The texts are
// libcurl 7.88.1's (Debian 12), pinned by tests/libcurl_info_text_test.cpp: see info_text.hpp.
void CurlExchange::on_info(std::string_view text) {
  if (text.rfind(libcurl_text::kStreamId, 0) == 0) {
    stream_id_ = number_after(text, libcurl_text::kStreamId);
    connection_ = tls_connection_id(easy_);
    goaway_last_stream_ = -1;
    if (stream_listener_) stream_listener_();
  } else if (text.find(libcurl_text::kGoaway) != std::string_view::npos) {
    const long last = number_after(text, libcurl_text::kGoawayLastStream);
    const std::uint64_t connection = tls_connection_id(easy_);
    if (last < 0 || connection == 0) return;
    if (goaway_listener_) {
      goaway_listener_(connection, last);
    } else {
      note_goaway(connection, last);
    }
  } else if (text.rfind(libcurl_text::kRefusedRetry, 0) == 0) {
    libcurl_resends_refused_ = true;
  }
}

void CurlExchange::note_goaway(std::uint64_t connection, long last_stream_id) {
  if (connection == 0 || connection != connection_ || stream_id_ < 0) return;
  // A later GOAWAY may only lower the last stream id.
  if (goaway_last_stream_ < 0 || last_stream_id < goaway_last_stream_) {
    goaway_last_stream_ = last_stream_id;
  }
}

size_t CurlExchange::on_header(char* data, size_t size, size_t count, void* self_ptr) {
  auto* self = static_cast<CurlExchange*>(self_ptr);
  const size_t n = size * count;
  // Nothing may unwind through libcurl (on the multi loop's thread it would end the
  // process): a failure here ends the transfer, and finish() says what it was.
  try {
    return self->take_header(std::string_view(data, n));
  } catch (const std::exception& e) {
    self->callback_failure_ = std::string("cannot keep the answer's headers: ") + e.what();
  } catch (...) {
    self->callback_failure_ = "cannot keep the answer's headers";
  }
  return 0;
}

size_t CurlExchange::take_header(std::string_view line) {
  const size_t n = line.size();
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line: an interim answer (100 Continue) is over; keep only the final one.
    response_.headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "Content-Length")) {
    std::size_t length = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec == std::errc() && length <= body_limit() && sink_ == nullptr && stream_ == nullptr) {
      response_.body.reserve(std::min(length, kMaxPreallocatedBody));
    }
  }
  // An answer has a handful of headers: one allocation for the list, not one per doubling.
  if (response_.headers.empty()) response_.headers.reserve(8);
  response_.headers.emplace_back(name, value);
  return n;
}

size_t CurlExchange::on_body(char* data, size_t size, size_t count, void* self_ptr) {
  auto* self = static_cast<CurlExchange*>(self_ptr);
  const size_t n = size * count;
  if ((self->sink_ != nullptr || self->stream_ != nullptr) && self->streaming_ < 0) {
    long status = 0;
    curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &status);
    self->streaming_ = status >= 200 && status <= 299 ? 1 : 0;
    // An exception must not unwind through libcurl's C frames: keep it for finish().
    try {
      if (self->streaming_ == 1 && self->stream_ != nullptr) {
        self->stream_->begin();
      } else if (self->streaming_ == 1 && self->sink_->on_head) {
        self->sink_->on_head(static_cast<int>(status), self->response_.headers);
      }
    } catch (...) {
      self->sink_failure_ = failure_of(std::current_exception());
      return 0;
    }
  }
  if (self->streaming_ == 1 && self->stream_ != nullptr) {
    // Capped as a kept body is: counted after decompression.
    if (n > self->body_limit() - self->streamed_) {
      self->too_large_ = true;
      return 0;
    }
    self->streamed_ += n;
    try {
      self->stream_->write(std::string_view(data, n));
    } catch (...) {
      self->sink_failure_ = failure_of(std::current_exception());
      return 0;
    }
    return n;
  }
  if (self->streaming_ == 1) {
    try {
      self->sink_->on_body(std::string_view(data, n));
    } catch (...) {
      self->sink_failure_ = failure_of(std::current_exception());
      return 0;
    }
    return n;
  }
  // Counted after decompression, so a small compressed body cannot expand past the cap.
  if (n > self->body_limit() - self->response_.body.size()) {
    self->too_large_ = true;
    return 0;  // anything but n aborts the transfer
  }
  try {
    self->response_.body.append(data, n);
  } catch (const std::exception& e) {
    self->callback_failure_ = std::string("cannot keep the answer's body: ") + e.what();
    return 0;
  }
  return n;
}

Failure CurlExchange::cancelled() const {
  const bool sent = wrote_request();
  std::string what = request_.method + " " + loggable_url(request_) + ": cancelled";
  if (sent && !is_idempotent(request_.method)) {
    what += "; the request was sent, so the server may have acted on it";
  }
  return Failure::cancelled(std::move(what), sent);
}

Delivery CurlExchange::finish(CURLcode code) {
  // Sent once and ended well: the next request may keep the handle's options as they are.
  if (code == CURLE_OK && sends_ == 1 && !sink_failure_ && callback_failure_.empty()) {
    handle_.needs_reset_ = false;
  }
  if (sink_failure_) return {{}, std::move(sink_failure_)};
  // A callback that failed (see on_header) ended the transfer: code is not CURLE_OK then.
  if (code == CURLE_OK && callback_failure_.empty()) {
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    response_.status_code = static_cast<int>(status);
    // A 2xx with an empty body begins too: the stream then holds this answer's (no) bytes,
    // not those of an earlier one.
    if (stream_ != nullptr && streaming_ != 1 && status >= 200 && status <= 299) {
      try {
        stream_->begin();
      } catch (...) {
        return {{}, failure_of(std::current_exception())};
      }
    }
    return {std::move(response_), std::nullopt};
  }
  if (too_large_ || code == CURLE_FILESIZE_EXCEEDED) {
    return {{},
            Failure::too_large(request_.method + " " + loggable_url(request_) +
                                   ": the answer is larger than max_response_bytes (" +
                                   std::to_string(request_.max_response_bytes) + " bytes)",
                               request_.max_response_bytes)};
  }
  if (!info_lost_ && refused_by_goaway() && !wrote_ && !resend_refused_) {
    refused_ = true;
    return {{},
            Failure::transport(request_.method + " " + loggable_url(request_) +
                                   ": refused by the server before processing (HTTP/2 stream " +
                                   std::to_string(stream_id_) + " above GOAWAY's last stream " +
                                   std::to_string(goaway_last_stream_) + ")",
                               false)};
  }
  // From what was written, never from the code alone: a reused connection that died after
  // the request went out ends in a refused reconnect (CURLE_COULDNT_CONNECT) just as well.
  const bool sent = wrote_request();
  std::string what = request_.method + " " + loggable_url(request_) + ": ";
  if (!callback_failure_.empty()) {
    what += callback_failure_;
  } else if (resend_refused_) {
    what += "the connection closed after the request was sent and before any answer";
  } else {
    what += curl_failure_text(code, error_buffer_);
    if (looks_like_plain_http(code, error_buffer_)) {
      what += "; the server seems to speak plain http, not https: check the URL's scheme";
    }
  }
  const std::string proxy = proxy_note();
  what += proxy;
  if (!sent && !proxy.empty()) what += "; the request was not sent";
  // The caller must know that a call which creates something may have done so.
  if (sent && !is_idempotent(request_.method)) {
    what += "; the request was sent, so the server may have acted on it";
  }
  if (code == CURLE_OPERATION_TIMEDOUT && callback_failure_.empty()) {
    return {{}, Failure::timeout(std::move(what), sent)};
  }
  return {{}, Failure::transport(std::move(what), sent)};
}

}  // namespace internal
}  // namespace pixxel
