#include "download/part_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "pixxel/errors.hpp"

namespace pixxel::internal {

namespace {

std::string system_error_text(int error) { return std::system_category().message(error); }

}  // namespace

bool writes_in_place(const std::string& path) {
  struct stat target {};
  if (::stat(path.c_str(), &target) != 0 || S_ISDIR(target.st_mode)) return false;
  return !S_ISREG(target.st_mode) || path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0;
}

PartFile::PartFile(const std::string& path) {
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

PartFile::~PartFile() {
  // Unlinked before the lock goes with the descriptor, so no one claims a name that is
  // about to vanish.
  if (!name_.empty()) ::unlink(name_.c_str());
  if (fd_ >= 0) ::close(fd_);
}

void PartFile::write_at(std::uint64_t offset, std::string_view data) {
  if (in_place_ && offset != written_) {
    throw Error("cannot go back in \"" + shown_ + "\", which is not a regular file");
  }
  while (!data.empty()) {
    const ssize_t n = in_place_
                          ? ::write(fd_, data.data(), data.size())
                          : ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw Error("cannot write \"" + shown_ + "\": " + system_error_text(n < 0 ? errno : ENOSPC));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
    written_ = std::max(written_, offset);
  }
}

void PartFile::truncate() {
  if (in_place_) {
    if (written_ == 0) return;
    throw Error("the download started over, and what \"" + shown_ +
                "\" (not a regular file) was given cannot be taken back");
  }
  if (::ftruncate(fd_, 0) != 0) {
    throw Error("cannot truncate \"" + name_ + "\": " + system_error_text(errno));
  }
}

void PartFile::commit(const std::string& path, bool overwrite) {
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

void PartFile::open_in_place(const std::string& path) {
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
bool PartFile::claim(const std::string& name) {
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

void PartFile::place(const std::string& path, bool overwrite) {
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

}  // namespace pixxel::internal
