#include "download_target.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "command_line.hpp"  // remove_at_abrupt_exit
#include "pixxel/errors.hpp"
#include "text_util.hpp"

namespace pixxel_cli {

TemporaryFolder::TemporaryFolder() {
  std::string folder = (std::filesystem::temp_directory_path() / "pixxel-download-XXXXXX").string();
  if (mkdtemp(folder.data()) == nullptr) {
    throw pixxel::Error("cannot make a temporary folder for the download: " +
                        std::string(std::strerror(errno)));
  }
  path_ = std::move(folder);
  remove_at_abrupt_exit(path_);
}

TemporaryFolder::~TemporaryFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
  forget_at_abrupt_exit(path_);
}

DownloadTarget choose_download_target(const std::string& output, bool force,
                                      const std::string& default_name) {
  namespace fs = std::filesystem;
  if (output == "-") return {"", true};
  struct stat target {};
  if (!output.empty() && ::stat(output.c_str(), &target) == 0 && !S_ISDIR(target.st_mode)) {
    // -o /dev/stdout (or /dev/fd/1): the archive goes out as for -o -, whole or not at all,
    // and no "saved" line follows it there.
    struct stat out {};
    if (::fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == target.st_dev &&
        out.st_ino == target.st_ino) {
      return {"", true};
    }
    // A FIFO, a device, another /dev/fd/N: written in place (the SDK renames nothing over
    // it), so neither --force nor a writable folder is needed.
    const bool in_place =
        !S_ISREG(target.st_mode) || output.rfind("/dev/", 0) == 0 || output.rfind("/proc/", 0) == 0;
    if (in_place) {
      if (access(output.c_str(), W_OK) != 0) {
        throw pixxel::InvalidArgumentError("cannot write \"" + printable(output) +
                                           "\": " + std::strerror(errno));
      }
      return {output, false};
    }
  }
  const auto invalid = [&](const std::string& path, const std::string& why) {
    return pixxel::InvalidArgumentError("cannot write \"" + printable(path) + "\": " + why);
  };
  std::error_code error;
  fs::path path = output.empty() ? fs::path(default_name) : fs::path(output);
  const bool names_a_folder = !output.empty() && output.back() == '/';
  if (names_a_folder || fs::is_directory(path, error)) {
    if (!fs::is_directory(path, error)) {
      throw invalid(output, "the folder \"" + printable(output) + "\" does not exist");
    }
    path /= default_name;
  }
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string shown = printable(folder.string());
  if (!fs::exists(folder, error)) {
    throw invalid(path.string(), "the folder \"" + shown + "\" does not exist");
  }
  if (!fs::is_directory(folder, error)) {
    throw invalid(path.string(), "\"" + shown + "\" is not a folder");
  }
  if (access(folder.c_str(), W_OK | X_OK) != 0) {
    throw invalid(path.string(), "the folder \"" + shown + "\" is not writable");
  }
  if (fs::is_directory(path, error)) {
    throw invalid(path.string(), "a folder of that name is in the way");
  }
  if (!force && fs::exists(fs::symlink_status(path, error))) {
    throw pixxel::InvalidArgumentError("\"" + printable(path.string()) +
                                       "\" exists; pass --force to replace it");
  }
  return {path.string(), false};
}

// Copies the file at `path` to standard output with write(2), whose errors (EPIPE above all)
// are seen as they happen. Returns 0, or the errno of the write that failed.
int copy_to_stdout(const std::string& path) {
  std::cout.flush();
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    throw pixxel::Error("cannot read the downloaded archive: " + std::string(std::strerror(errno)));
  }
  std::vector<char> buffer(1 << 16);
  int error = 0;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int read_error = errno;
      ::close(in);
      throw pixxel::Error("cannot read the downloaded archive: " +
                          std::string(std::strerror(read_error)));
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n && error == 0;) {
      const ssize_t written =
          ::write(STDOUT_FILENO, buffer.data() + done, static_cast<std::size_t>(n - done));
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) error = errno;
      if (written > 0) done += written;
    }
    if (error != 0) break;
  }
  ::close(in);
  return error;
}

}  // namespace pixxel_cli
