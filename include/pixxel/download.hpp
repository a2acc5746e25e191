#ifndef PIXXEL_DOWNLOAD_HPP_
#define PIXXEL_DOWNLOAD_HPP_

/// @file
/// Saving the archive behind a `DownloadLink` to a file.

#include <cstdint>
#include <functional>

namespace pixxel {

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
  bool overwrite = false;
};

}  // namespace pixxel

#endif  // PIXXEL_DOWNLOAD_HPP_
