#ifndef PIXXEL_DOWNLOAD_PART_FILE_HPP_
#define PIXXEL_DOWNLOAD_PART_FILE_HPP_

// The file a download is written to: a temporary one next to its destination, claimed under an
// flock and never through a symlink, put in place once complete. Not public API.

#include <cstdint>
#include <string>
#include <string_view>

namespace pixxel::internal {

// True for a destination that is written in place rather than replaced by a rename: what is
// there and is no regular file (a FIFO, a device, /dev/stdout's pipe), and anything under
// /dev or /proc, whose entries name the caller's open files and devices, never files to swap.
bool writes_in_place(const std::string& path);

// The file a download is written to. Usually a temporary one next to its destination, put in
// place once complete: created or reclaimed only when it is a plain file of ours that no live
// download holds (an flock held while it is written marks it), never through a symlink, so it
// is never a file that was there for another reason (a link planted to make us overwrite its
// target); it is removed unless it was put in place. A destination that writes_in_place() is
// written directly, in order, and nothing is renamed over it.
class PartFile {
 public:
  // Throws pixxel::Error when no temporary file can be made next to `path`.
  explicit PartFile(const std::string& path);
  ~PartFile();
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  void write_at(std::uint64_t offset, std::string_view data);

  // Empties the file for a download that starts over.
  void truncate();

  // Puts the file at `path`. With `overwrite`, rename replaces whatever is there (a symlink
  // itself, not its target); without, link fails if anything is there, even a dangling
  // symlink, so no file can appear between a check and the move and be replaced. The lock is
  // held until the name is gone. Throws InvalidArgumentError when something is at `path` and
  // `overwrite` is off.
  void commit(const std::string& path, bool overwrite);

 private:
  void open_in_place(const std::string& path);
  bool claim(const std::string& name);
  void place(const std::string& path, bool overwrite);

  std::string name_;   // the temporary file, removed unless put in place; empty in place
  std::string shown_;  // what messages name
  int fd_ = -1;
  bool in_place_ = false;
  std::uint64_t written_ = 0;  // in place: bytes given so far
};

}  // namespace pixxel::internal

#endif  // PIXXEL_DOWNLOAD_PART_FILE_HPP_
