#include "download/resume.hpp"

#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "pixxel/errors.hpp"
#include "text.hpp"

namespace pixxel::internal {

using std::chrono::milliseconds;

namespace {

std::optional<std::uint64_t> parse_count(std::string_view text) {
  text = trim(text);
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// A content-coded body is decoded on the way in: its bytes are not those that the length and
// the ranges count.
bool is_encoded(const Headers& headers) {
  auto coding = find_header(headers, "Content-Encoding");
  return coding && !coding->empty() && !iequals(*coding, "identity");
}

// The length of the body as it is stored, when the answer says.
std::optional<std::uint64_t> stored_length(const Headers& headers) {
  if (is_encoded(headers)) return std::nullopt;
  auto length = find_header(headers, "Content-Length");
  return length ? parse_count(*length) : std::nullopt;
}

bool serves_byte_ranges(const Headers& headers) {
  const std::string units = find_header(headers, "Accept-Ranges").value_or(std::string());
  std::string_view rest = units;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    if (iequals(trim(rest.substr(0, comma)), "bytes")) return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return false;
}

// "Content-Range: bytes FIRST-LAST/COMPLETE" (COMPLETE may be "*").
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::optional<std::uint64_t> complete;
};

std::optional<ContentRange> parse_content_range(std::string_view value) {
  if (value.size() < 6 || !iequals(value.substr(0, 6), "bytes ")) return std::nullopt;
  value.remove_prefix(6);
  const auto dash = value.find('-');
  const auto slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  auto first = parse_count(value.substr(0, dash));
  auto last = parse_count(value.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *first > *last) return std::nullopt;
  ContentRange range{*first, *last, std::nullopt};
  if (value.substr(slash + 1) != "*") {
    range.complete = parse_count(value.substr(slash + 1));
    if (!range.complete || *range.complete <= *last) return std::nullopt;
  }
  return range;
}

}  // namespace

HttpRequest ResumableDownload::next(const HttpRequest& request) {
  head_seen_ = false;
  ranged_ = resumable_ && received_ > 0 && (total_ == 0 || received_ < total_);
  if (!ranged_) return request;
  HttpRequest out = request;
  out.headers.emplace_back("Range", "bytes=" + std::to_string(received_) + "-");
  out.headers.emplace_back("If-Range", etag_.empty() ? last_modified_ : etag_);
  return out;
}

void ResumableDownload::head(int status, const Headers& headers) {
  head_seen_ = true;
  if (status == 206) {
    continue_with(headers);
    return;
  }
  const bool restarted = received_ > 0;
  if (restarted) {
    file_.truncate();
    received_ = 0;
  }
  total_ = stored_length(headers).value_or(0);
  etag_ = find_header(headers, "ETag").value_or(std::string());
  // A weak validator must not be used in If-Range (RFC 9110, 13.1.5).
  if (etag_.rfind("W/", 0) == 0) etag_.clear();
  last_modified_ = find_header(headers, "Last-Modified").value_or(std::string());
  resumable_ = serves_byte_ranges(headers) && !is_encoded(headers) &&
               !(etag_.empty() && last_modified_.empty());
  if (restarted) report(true);
}

void ResumableDownload::body(std::string_view chunk) {
  if (!head_seen_) head(200, {});
  if (total_ > 0 && received_ + chunk.size() > total_) {
    resumable_ = false;
    throw TransportError(
        what_ + ": the body is longer than announced (" + std::to_string(total_) + " bytes)", true);
  }
  file_.write_at(received_, chunk);
  received_ += chunk.size();
  report(false);
}

void ResumableDownload::check(const HttpResponse& response) {
  if (!head_seen_) head(response.status_code, response.headers);
  if (total_ == 0 && response.status_code != 206) {
    total_ = stored_length(response.headers).value_or(0);
  }
  if (total_ > 0 && received_ != total_) {
    throw TransportError(what_ + ": the body ended after " + std::to_string(received_) + " of " +
                             std::to_string(total_) + " bytes",
                         true);
  }
}

std::uint64_t ResumableDownload::done() {
  if (total_ == 0) total_ = received_;
  report(true);
  return received_;
}

void ResumableDownload::continue_with(const Headers& headers) {
  const auto range = parse_content_range(find_header(headers, "Content-Range").value_or(""));
  const auto etag = find_header(headers, "ETag");
  const auto modified = find_header(headers, "Last-Modified");
  const bool same_object =
      etag_.empty() ? !modified || *modified == last_modified_ : !etag || *etag == etag_;
  const bool continues = ranged_ && range && range->first == received_ && !is_encoded(headers) &&
                         same_object &&
                         (!range->complete || total_ == 0 || *range->complete == total_);
  if (!continues) {
    // Whatever this part is, it is not the rest of the file: ask for all of it next time.
    resumable_ = false;
    throw TransportError(what_ + ": the server sent a part that does not continue the file", true);
  }
  if (range->complete) total_ = *range->complete;
}

void ResumableDownload::report(bool now) {
  if (!on_progress_) return;
  if (!now && Clock::now() - last_report_ < milliseconds(100)) return;
  last_report_ = Clock::now();
  on_progress_(DownloadProgress{received_, total_});
}

}  // namespace pixxel::internal
