// The real connection's save_download: a signed download URL saved to a file through the
// connection's one transport, resumed when the transfer breaks, never stitched, never through
// a symlink, never over a file unless asked. The file and its resumption are download/'s.

#include <sys/stat.h>

#include <chrono>
#include <string>
#include <utility>

#include "connection_impl.hpp"
#include "download/part_file.hpp"
#include "download/resume.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/version.hpp"
#include "text.hpp"
#include "url.hpp"

namespace pixxel::internal {

std::uint64_t RealConnection::save_download(const DownloadLink& link, const std::string& path,
                                            const SaveOptions& save, const CallOptions& options) {
  const ClientOptions& client = settings_.options;
  if (!iequals(link.status, "ready")) {
    throw InvalidArgumentError("the download is not ready (status \"" + redact(link.status) +
                               "\"); ask for the link again later");
  }
  auto parsed = parse_url(link.signed_url);
  if (!parsed) throw InvalidArgumentError("the link's signed_url is not an http(s) URL");
  if (parsed->origin.scheme == "http" && !is_loopback_host(parsed->origin.host) &&
      !client.allow_insecure_http) {
    throw InvalidArgumentError(
        "the link's signed_url is plain http to another host; set allow_insecure_http to "
        "accept it");
  }
  if (path.empty()) throw InvalidArgumentError("path must not be empty");
  // Saves a download that could not be kept; commit() alone decides, without a race. lstat:
  // a symlink, even a dangling one, is a file there.
  struct stat existing {};
  if (!save.overwrite && !writes_in_place(path) && ::lstat(path.c_str(), &existing) == 0) {
    throw InvalidArgumentError("\"" + path + "\" exists; set SaveOptions::overwrite");
  }

  // No Authorization: a signed URL carries its own credential, and the key stays with the API.
  HttpRequest request;
  request.method = "GET";
  request.url = link.signed_url;
  request.headers = {{"User-Agent", std::string("pixxel-cpp/") + version()}};
  request.connect_timeout = client.connect_timeout;
  request.max_response_bytes = client.max_response_bytes;
  CallSpec download = spec(std::move(request), options);
  // A large download takes as long as it takes; only a stall ends it.
  download.request.timeout = std::chrono::milliseconds(0);
  download.request.stall_timeout = options.timeout.value_or(client.timeout);

  PartFile file(path);
  ResumableDownload resumable(file, "GET " + loggable_url(download.request), save.on_progress);
  const StreamSink sink{
      [&](int status, const Headers& headers) { resumable.head(status, headers); },
      [&](std::string_view chunk) { resumable.body(chunk); }};
  download.sink = &sink;
  download.prepare = [&](const HttpRequest& r) { return resumable.next(r); };
  download.check = [&](const HttpResponse& response) { resumable.check(response); };
  call(std::move(download));
  const std::uint64_t written = resumable.done();
  file.commit(path, save.overwrite);
  return written;
}

}  // namespace pixxel::internal
