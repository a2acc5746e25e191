#ifndef PIXXEL_DOWNLOAD_HPP_
#define PIXXEL_DOWNLOAD_HPP_

/// @file
/// The link to a job's or a task's archive, and saving the archive behind it to a file.

#include <cstdint>
#include <functional>
#include <string>

#include "pixxel/export.hpp"

namespace pixxel {

/// A time-bound link to a ZIP of a job's or a task's files.
///
/// The signed URL needs no API key; the SDK never sends the key to it. `status` is "pending"
/// until the archive is ready. The server spells the workflow id `workflowId` in the job
/// answer and `workflow_id` in the task answer; both decode into `workflow_id`.
struct DownloadLink {
  std::string id;
  std::string status;
  std::string signed_url;
  std::string workflow_id;
  std::string job_id;

  PIXXEL_EXPORT friend bool operator==(const DownloadLink& a, const DownloadLink& b);
  friend bool operator!=(const DownloadLink& a, const DownloadLink& b) { return !(a == b); }
};

/// Progress of a download, reported as bytes arrive.
struct DownloadProgress {
  /// Bytes in the file so far. Back to 0 if a retry gets the whole object again rather than
  /// the rest; never above `total`.
  std::uint64_t received = 0;
  std::uint64_t total = 0;  ///< Bytes expected, or 0 when the server did not say.
};

/// Settings of `PixxelClient::save_download`.
struct SaveOptions {
  /// Called as bytes arrive (at most a few times a second, and once at the end), on the
  /// calling thread. It may throw to cancel the download; the partial file is removed.
  std::function<void(const DownloadProgress&)> on_progress;
  /// Replace an existing file at the destination (a symlink there is replaced, not followed).
  /// Off: anything at the destination is an error, even if it appears during the download.
  ///
  /// The archive is written to `PATH.part` and renamed into place once complete. A `PATH.part`
  /// left by a download that was killed is reclaimed by the next one to the same path (a live
  /// download holds an flock on its part file; a second one at once writes `PATH.part-2`).
  /// A destination that is no regular file (a FIFO, a device) or lies under /dev or /proc
  /// (such as /dev/stdout) is written in place, in order, whatever `overwrite` says: nothing
  /// is renamed over it, and a download that must start over after bytes went there fails.
  bool overwrite = false;
};

}  // namespace pixxel

#endif  // PIXXEL_DOWNLOAD_HPP_
