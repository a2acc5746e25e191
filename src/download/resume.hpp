#ifndef PIXXEL_DOWNLOAD_RESUME_HPP_
#define PIXXEL_DOWNLOAD_RESUME_HPP_

// A download's attempts over one PartFile: what each attempt asks for (the rest, with Range and
// If-Range, when the server allows it), and whether its answer continues the file. Not public
// API.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "download/part_file.hpp"
#include "pixxel/download.hpp"
#include "pixxel/transport.hpp"

namespace pixxel::internal {

// What the temporary file of a download holds across attempts, and how the next attempt may
// continue it. A retry asks for the rest (Range) only when the last whole answer said the
// server serves byte ranges and named a validator; If-Range with that validator makes a
// server whose object changed send all of the new one, which is never stitched onto the old
// one's head. Any whole answer starts the file over.
class ResumableDownload {
 public:
  // `what` ("GET <url>", redacted) names the download in errors.
  ResumableDownload(PartFile& file, std::string what,
                    const std::function<void(const DownloadProgress&)>& on_progress)
      : file_(file), what_(std::move(what)), on_progress_(on_progress) {}

  // The request of the next attempt, made from the call's.
  HttpRequest next(const HttpRequest& request);
  // An attempt's answer head. Throws TransportError for a part that does not continue the file.
  void head(int status, const Headers& headers);
  // A piece of a 2xx body. Throws TransportError past the announced length, and Error when the
  // file cannot be written.
  void body(std::string_view chunk);
  // After a 2xx answer: it is complete, or the attempt failed (TransportError).
  void check(const HttpResponse& response);
  // The bytes written, once the download is complete.
  std::uint64_t done();

 private:
  using Clock = std::chrono::steady_clock;

  void continue_with(const Headers& headers);
  void report(bool now);

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

}  // namespace pixxel::internal

#endif  // PIXXEL_DOWNLOAD_RESUME_HPP_
