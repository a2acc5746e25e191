#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include "pipeline.hpp"
#include "pixxel/client.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/version.hpp"
#include "redact.hpp"
#include "text.hpp"
#include "url.hpp"

// Saving a signed download URL to a file: resumed when the transfer breaks, never stitched,
// never through a symlink, never over a file unless asked.

namespace pixxel {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

std::string system_error_text(int error) { return std::system_category().message(error); }

// True for a destination that is written in place rather than replaced by a rename: what is
// there and is no regular file (a FIFO, a device, /dev/stdout's pipe), and anything under
// /dev or /proc, whose entries name the caller's open files and devices, never files to swap.
bool writes_in_place(const std::string& path) {
  struct stat target {};
  if (::stat(path.c_str(), &target) != 0 || S_ISDIR(target.st_mode)) return false;
  return !S_ISREG(target.st_mode) || path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0;
}

// The file a download is written to. Usually a temporary one next to its destination, put in
// place once complete: created or reclaimed only when it is a plain file of ours that no live
// download holds (an flock held while it is written marks it), never through a symlink, so it
// is never a file that was there for another reason (a link planted to make us overwrite its
// target); it is removed unless it was put in place. A destination that writes_in_place() is
// written directly, in order, and nothing is renamed over it.
class PartFile {
 public:
  explicit PartFile(const std::string& path) {
    if (writes_in_place(path)) {
      open_in_place(path);
      return;
    }
    // path + ".part" when it is free or left over by a run that ended without removing it;
    // another name only while a live download holds that one.
    for (int i = 1; i <= 100; ++i) {
      std::string name = path + ".part";
      if (i > 1) name += "-" + std::to_string(i);
      if (claim(name)) return;
    }
    throw Error("cannot create a temporary file next to \"" + path + "\"");
  }
  ~PartFile() {
    // Unlinked before the lock goes with the descriptor, so no one claims a name that is
    // about to vanish.
    if (!name_.empty()) ::unlink(name_.c_str());
    if (fd_ >= 0) ::close(fd_);
  }
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  void write_at(std::uint64_t offset, std::string_view data) {
    if (in_place_ && offset != written_) {
      throw Error("cannot go back in \"" + shown_ + "\", which is not a regular file");
    }
    while (!data.empty()) {
      const ssize_t n = in_place_
                            ? ::write(fd_, data.data(), data.size())
                            : ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        throw Error("cannot write \"" + shown_ +
                    "\": " + system_error_text(n < 0 ? errno : ENOSPC));
      }
      data.remove_prefix(static_cast<std::size_t>(n));
      offset += static_cast<std::uint64_t>(n);
      written_ = std::max(written_, offset);
    }
  }

  void truncate() {
    if (in_place_) {
      if (written_ == 0) return;
      throw Error("the download started over, and what \"" + shown_ +
                  "\" (not a regular file) was given cannot be taken back");
    }
    if (::ftruncate(fd_, 0) != 0) {
      throw Error("cannot truncate \"" + name_ + "\": " + system_error_text(errno));
    }
  }

  // Puts the file at `path`. With `overwrite`, rename replaces whatever is there (a symlink
  // itself, not its target); without, link fails if anything is there, even a dangling
  // symlink, so no file can appear between a check and the move and be replaced. The lock is
  // held until the name is gone.
  void commit(const std::string& path, bool overwrite) {
    if (in_place_) {
      const int fd = fd_;
      fd_ = -1;
      if (::close(fd) != 0) {
        throw Error("cannot write \"" + shown_ + "\": " + system_error_text(errno));
      }
      return;
    }
    if (::fsync(fd_) != 0) {
      throw Error("cannot write \"" + name_ + "\": " + system_error_text(errno));
    }
    place(path, overwrite);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      throw Error("cannot write \"" + path + "\": " + system_error_text(errno));
    }
  }

 private:
  void open_in_place(const std::string& path) {
    // Blocks on a FIFO until it has a reader, as any writer of one does.
    fd_ = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0) throw Error("cannot open \"" + path + "\": " + system_error_text(errno));
    struct stat opened {};
    if (::fstat(fd_, &opened) == 0 && S_ISREG(opened.st_mode)) {
      // /dev/stdout of a shell's `>>`: what is there stays.
      ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_APPEND);
    }
    in_place_ = true;
    shown_ = path;
  }

  // Makes `name` this download's temporary file when it is free, or a plain file of ours that
  // no live download holds (a leftover of a killed run, reclaimed and emptied).
  bool claim(const std::string& name) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      struct stat before {};
      // Only a plain file is ever opened: opening a FIFO or a device planted there may block
      // or act.
      const bool existed = ::lstat(name.c_str(), &before) == 0;
      if (existed && !S_ISREG(before.st_mode)) return false;
      const int fd =
          ::open(name.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0666);
      if (fd < 0) {
        const bool not_ours =
            errno == ELOOP || errno == ENXIO || (existed && (errno == EACCES || errno == EPERM));
        if (not_ours) return false;
        throw Error("cannot create \"" + name + "\": " + system_error_text(errno));
      }
      if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // a live download's
        ::close(fd);
        return false;
      }
      struct stat opened {};
      struct stat now {};
      const bool same = ::fstat(fd, &opened) == 0 && ::lstat(name.c_str(), &now) == 0 &&
                        opened.st_dev == now.st_dev && opened.st_ino == now.st_ino;
      if (!same) {
        // Removed or replaced since it was opened (its download ended): look again.
        ::close(fd);
        continue;
      }
      // A hard link to another file, or someone else's file, is not ours to empty.
      if (!S_ISREG(opened.st_mode) || opened.st_nlink != 1 || opened.st_uid != ::geteuid()) {
        ::close(fd);
        return false;
      }
      if (opened.st_size > 0 && ::ftruncate(fd, 0) != 0) {
        const int error = errno;
        ::close(fd);
        throw Error("cannot truncate \"" + name + "\": " + system_error_text(error));
      }
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      fd_ = fd;
      name_ = name;
      shown_ = name;
      return true;
    }
    return false;
  }

  void place(const std::string& path, bool overwrite) {
    if (overwrite) {
      if (::rename(name_.c_str(), path.c_str()) != 0) {
        throw Error("cannot rename \"" + name_ + "\" to \"" + path +
                    "\": " + system_error_text(errno));
      }
      name_.clear();
      return;
    }
    if (::link(name_.c_str(), path.c_str()) == 0) {
      ::unlink(name_.c_str());
      name_.clear();
      return;
    }
    int link_error = errno;
#ifdef RENAME_NOREPLACE
    // A file system without hard links (FAT, some FUSE ones) may still rename without
    // replacing.
    if (link_error != EEXIST) {
      if (::renameat2(AT_FDCWD, name_.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
        name_.clear();
        return;
      }
      link_error = errno;
    }
#endif
    if (link_error == EEXIST) {
      throw InvalidArgumentError("\"" + path + "\" exists; set SaveOptions::overwrite");
    }
    throw Error("cannot create \"" + path + "\": " + system_error_text(link_error));
  }

  std::string name_;   // the temporary file, removed unless put in place; empty in place
  std::string shown_;  // what messages name
  int fd_ = -1;
  bool in_place_ = false;
  std::uint64_t written_ = 0;  // in place: bytes given so far
};

std::optional<std::uint64_t> parse_count(std::string_view text) {
  text = internal::trim(text);
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
  return coding && !coding->empty() && !internal::iequals(*coding, "identity");
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
    if (internal::iequals(internal::trim(rest.substr(0, comma)), "bytes")) return true;
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
  if (value.size() < 6 || !internal::iequals(value.substr(0, 6), "bytes ")) return std::nullopt;
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

// What the temporary file of a download holds across attempts, and how the next attempt may
// continue it. A retry asks for the rest (Range) only when the last whole answer said the
// server serves byte ranges and named a validator; If-Range with that validator makes a
// server whose object changed send all of the new one, which is never stitched onto the old
// one's head. Any whole answer starts the file over.
class ResumableDownload {
 public:
  ResumableDownload(PartFile& file, std::string what,
                    const std::function<void(const DownloadProgress&)>& on_progress)
      : file_(file), what_(std::move(what)), on_progress_(on_progress) {}

  HttpRequest next(const HttpRequest& request) {
    head_seen_ = false;
    ranged_ = resumable_ && received_ > 0 && (total_ == 0 || received_ < total_);
    if (!ranged_) return request;
    HttpRequest out = request;
    out.headers.emplace_back("Range", "bytes=" + std::to_string(received_) + "-");
    out.headers.emplace_back("If-Range", etag_.empty() ? last_modified_ : etag_);
    return out;
  }

  void head(int status, const Headers& headers) {
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

  void body(std::string_view chunk) {
    if (!head_seen_) head(200, {});
    if (total_ > 0 && received_ + chunk.size() > total_) {
      resumable_ = false;
      throw TransportError(
          what_ + ": the body is longer than announced (" + std::to_string(total_) + " bytes)",
          true);
    }
    file_.write_at(received_, chunk);
    received_ += chunk.size();
    report(false);
  }

  // After a 2xx answer: it is complete, or the attempt failed.
  void check(const HttpResponse& response) {
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

  std::uint64_t done() {
    if (total_ == 0) total_ = received_;
    report(true);
    return received_;
  }

 private:
  void continue_with(const Headers& headers) {
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
      throw TransportError(what_ + ": the server sent a part that does not continue the file",
                           true);
    }
    if (range->complete) total_ = *range->complete;
  }

  void report(bool now) {
    if (!on_progress_) return;
    if (!now && Clock::now() - last_report_ < milliseconds(100)) return;
    last_report_ = Clock::now();
    on_progress_(DownloadProgress{received_, total_});
  }

  PartFile& file_;
  const std::string what_;
  const std::function<void(const DownloadProgress&)>& on_progress_;
  std::uint64_t received_ = 0;  // bytes in the file
  std::uint64_t total_ = 0;     // the object's length, 0 while unknown
  bool resumable_ = false;
  std::string etag_;           // strong only
  std::string last_modified_;  // the validator when there is no strong ETag
  bool ranged_ = false;        // this attempt asked for the rest
  bool head_seen_ = false;     // this attempt's answer has said what it is
  Clock::time_point last_report_ = Clock::now();
};

}  // namespace

std::uint64_t PixxelClient::save_download(const DownloadLink& link, const std::string& path,
                                          const SaveOptions& options, const CallOptions& call) {
  // Over the connection's options, so that a mocked connection can download too (with a
  // libcurl transport of its own unless its options name one).
  internal::Settings settings;
  settings.options = connection_->options();
  ClientOptions& client = settings.options;
  if (!client.transport) {
    CurlTransportOptions curl{client.verify_tls, client.ca_bundle};
    curl.http_version = client.http_version;
    client.transport = make_curl_transport(std::move(curl));
  }
  const auto redact = [&](std::string text) {
    return internal::redact(std::move(text), client.api_key);
  };
  if (!internal::iequals(link.status, "ready")) {
    throw InvalidArgumentError("the download is not ready (status \"" + redact(link.status) +
                               "\"); ask for the link again later");
  }
  auto parsed = internal::parse_url(link.signed_url);
  if (!parsed) throw InvalidArgumentError("the link's signed_url is not an http(s) URL");
  if (parsed->origin.scheme == "http" && !internal::is_loopback_host(parsed->origin.host) &&
      !client.allow_insecure_http) {
    throw InvalidArgumentError(
        "the link's signed_url is plain http to another host; set allow_insecure_http to "
        "accept it");
  }
  if (path.empty()) throw InvalidArgumentError("path must not be empty");
  // Saves a download that could not be kept; commit() alone decides, without a race. lstat:
  // a symlink, even a dangling one, is a file there.
  struct stat existing {};
  if (!options.overwrite && !writes_in_place(path) && ::lstat(path.c_str(), &existing) == 0) {
    throw InvalidArgumentError("\"" + path + "\" exists; set SaveOptions::overwrite");
  }

  if (call.timeout && call.timeout->count() < 0) {
    throw InvalidArgumentError("CallOptions::timeout must not be negative");
  }
  RetryPolicy retry = call.retry.value_or(client.retry);
  if (std::string problem = internal::retry_policy_problem(retry, "CallOptions::retry.");
      !problem.empty()) {
    throw InvalidArgumentError(problem);
  }

  PartFile file(path);
  // No Authorization: a signed URL carries its own credential, and the key stays with the API.
  HttpRequest request;
  request.method = "GET";
  request.url = link.signed_url;
  request.headers = {{"User-Agent", std::string("pixxel-cpp/") + version()}};
  request.connect_timeout = client.connect_timeout;
  request.max_response_bytes = client.max_response_bytes;
  // A large download takes as long as it takes; only a stall ends it.
  request.stall_timeout = call.timeout.value_or(client.timeout);
  request.cancel = call.cancel;
  ResumableDownload download(file, "GET " + internal::loggable_url(request), options.on_progress);
  const StreamSink sink{[&](int status, const Headers& headers) { download.head(status, headers); },
                        [&](std::string_view chunk) { download.body(chunk); }};
  internal::CallSpec spec{request, retry, &sink, {}, {}};
  spec.prepare = [&](const HttpRequest& r) { return download.next(r); };
  spec.check = [&](const HttpResponse& response) { download.check(response); };
  internal::run_blocking(settings, std::move(spec), internal::Clock::real());
  const std::uint64_t written = download.done();
  file.commit(path, options.overwrite);
  return written;
}

}  // namespace pixxel
