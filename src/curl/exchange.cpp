#include <charconv>
#include <mutex>
#include <utility>

#include "curl/exchange.hpp"

#include "pixxel/cancellation.hpp"
#include "pixxel/errors.hpp"
#include "redact.hpp"
#include "retry_rules.hpp"
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

}  // namespace

CurlExchange::CurlExchange(CURL* easy, CURLSH* share, const HttpRequest& request,
                           const CurlTransportOptions& options, const StreamSink* sink)
    : easy_(easy), request_(request), sink_(sink) {
  // Reset drops every option but keeps the handle's live connections and caches.
  curl_easy_reset(easy);
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_);
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
  set(easy, CURLOPT_CONNECTTIMEOUT_MS, to_curl_ms(request.connect_timeout));
  set(easy, CURLOPT_TIMEOUT_MS, to_curl_ms(request.timeout));
  set(easy, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  set(easy, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_bundle.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_bundle.c_str());
  if (sink_ == nullptr && request.max_response_bytes > 0) {
    // Rejects an announced Content-Length early; on_body enforces the cap for the rest.
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.max_response_bytes));
  }
  if (request.stall_timeout.count() > 0) {
    // Fewer than 1 byte/s for that many seconds counts as a stall.
    set(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    set(easy, CURLOPT_LOW_SPEED_TIME,
        static_cast<long>((request.stall_timeout.count() + 999) / 1000));
  }

  if (request.method == "GET") {
    set(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    set(easy, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  bool has_content_type = false;
  auto append = [&](const std::string& line) {
    curl_slist* head = curl_slist_append(header_list_.get(), line.c_str());
    if (head == nullptr) throw TransportError("out of memory building request headers", false);
    // The head only changes on the first append; the old one is the same list.
    header_list_.release();
    header_list_.reset(head);
  };
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "Content-Type")) has_content_type = true;
    // "Name;" is libcurl's spelling of a header with an empty value.
    append(value.empty() ? name + ";" : name + ": " + value);
  }
  // Without these, libcurl would add a form Content-Type to a POST and wait for
  // 100-continue on large bodies.
  if (!has_content_type) append("Content-Type:");
  append("Expect:");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list_.get());

  // libcurl sends a request again, on a new connection, when a reused connection closes
  // before any answer byte (lib/transfer.c Curl_retry_request), for POST too. The server may
  // have acted on the first copy, so only an idempotent request may go again unseen; this
  // hook runs before every send, the silent resend included.
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &CurlExchange::on_before_send);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, this);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &CurlExchange::on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &CurlExchange::on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
}

std::size_t CurlExchange::body_limit() const {
  return request_.max_response_bytes == 0 ? static_cast<std::size_t>(-1)
                                          : request_.max_response_bytes;
}

bool CurlExchange::wrote_request() const {
  // CURLINFO_REQUEST_SIZE counts the request bytes the socket accepted (lib/http.c
  // Curl_buffer_send) and adds up over libcurl's own resends; what did not fit in one write
  // goes out later as upload data; and an answer byte proves the request arrived.
  long request_size = 0;
  long header_size = 0;
  curl_off_t uploaded = 0;
  curl_easy_getinfo(easy_, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(easy_, CURLINFO_HEADER_SIZE, &header_size);
  curl_easy_getinfo(easy_, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  return wrote_ || request_size > 0 || header_size > 0 || uploaded > 0;
}

int CurlExchange::on_before_send(void* self_ptr, char*, char*, int, int) {
  auto* self = static_cast<CurlExchange*>(self_ptr);
  if (self->sends_++ > 0) {
    self->wrote_ = self->wrote_request();
    if (self->wrote_ && !is_idempotent(self->request_.method)) {
      self->resend_refused_ = true;
      return CURL_PREREQFUNC_ABORT;
    }
  }
  return CURL_PREREQFUNC_OK;
}

size_t CurlExchange::on_header(char* data, size_t size, size_t count, void* self_ptr) {
  auto* self = static_cast<CurlExchange*>(self_ptr);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line: an interim answer (100 Continue) is over; keep only the final one.
    self->response_.headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::string value(trim(line.substr(colon + 1)));
  if (iequals(name, "Content-Length")) {
    std::size_t length = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec == std::errc() && length <= self->body_limit()) {
      self->response_.body.reserve(length);
    }
  }
  self->response_.headers.emplace_back(std::move(name), std::move(value));
  return n;
}

size_t CurlExchange::on_body(char* data, size_t size, size_t count, void* self_ptr) {
  auto* self = static_cast<CurlExchange*>(self_ptr);
  const size_t n = size * count;
  if (self->sink_ != nullptr && self->streaming_ < 0) {
    long status = 0;
    curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &status);
    self->streaming_ = status >= 200 && status <= 299 ? 1 : 0;
    if (self->streaming_ == 1 && self->sink_->on_head) {
      // An exception must not unwind through libcurl's C frames: keep it for finish().
      try {
        self->sink_->on_head(static_cast<int>(status), self->response_.headers);
      } catch (...) {
        self->sink_error_ = std::current_exception();
        return 0;
      }
    }
  }
  if (self->streaming_ == 1) {
    try {
      self->sink_->on_body(std::string_view(data, n));
    } catch (...) {
      self->sink_error_ = std::current_exception();
      return 0;
    }
    return n;
  }
  // Counted after decompression, so a small compressed body cannot expand past the cap.
  if (self->response_.body.size() + n > self->body_limit()) {
    self->too_large_ = true;
    return 0;  // anything but n aborts the transfer
  }
  self->response_.body.append(data, n);
  return n;
}

std::exception_ptr CurlExchange::cancelled() const {
  const bool sent = wrote_request();
  std::string what = request_.method + " " + loggable_url(request_) + ": cancelled";
  if (sent && !is_idempotent(request_.method)) {
    what += "; the request was sent, so the server may have acted on it";
  }
  return std::make_exception_ptr(CancelledError(what, sent));
}

HttpResponse CurlExchange::finish(CURLcode code) {
  if (sink_error_) std::rethrow_exception(sink_error_);
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    response_.status_code = static_cast<int>(status);
    return std::move(response_);
  }
  if (too_large_ || code == CURLE_FILESIZE_EXCEEDED) {
    throw ResponseTooLargeError(request_.method + " " + loggable_url(request_) +
                                    ": the answer is larger than max_response_bytes (" +
                                    std::to_string(request_.max_response_bytes) + " bytes)",
                                request_.max_response_bytes);
  }
  // From what was written, never from the code alone: a reused connection that died after
  // the request went out ends in a refused reconnect (CURLE_COULDNT_CONNECT) just as well.
  const bool sent = wrote_request();
  std::string what = request_.method + " " + loggable_url(request_) + ": ";
  if (resend_refused_) {
    what += "the connection closed after the request was sent and before any answer";
  } else {
    what += curl_failure_text(code, error_buffer_);
    if (looks_like_plain_http(code, error_buffer_)) {
      what += "; the server seems to speak plain http, not https: check the URL's scheme";
    }
  }
  // The caller must know that a call which creates something may have done so.
  if (sent && !is_idempotent(request_.method)) {
    what += "; the request was sent, so the server may have acted on it";
  }
  if (code == CURLE_OPERATION_TIMEDOUT) throw TimeoutError(what, sent);
  throw TransportError(what, sent);
}

}  // namespace internal
}  // namespace pixxel
