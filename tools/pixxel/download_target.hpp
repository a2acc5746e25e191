// Where `pixxel jobs download` puts the archive: a file checked before anything is asked of
// the server, or standard output through a temporary folder, copied out once complete.
#ifndef PIXXEL_CLI_DOWNLOAD_TARGET_HPP_
#define PIXXEL_CLI_DOWNLOAD_TARGET_HPP_

#include <string>

namespace pixxel_cli {

// Where `jobs download` writes: a file, or stdout (`-o -`, through a temporary file copied out
// once complete).
struct DownloadTarget {
  std::string path;  // the file; empty for stdout
  bool to_stdout = false;
};

// Checks -o (`output`, empty when not given) before anything is asked of the server: the
// folder exists and is writable, a directory means `default_name` inside it, `-` (or this
// process's standard output by another name) means stdout, an existing file needs `force`.
// Throws pixxel::InvalidArgumentError naming what is wrong.
DownloadTarget choose_download_target(const std::string& output, bool force,
                                      const std::string& default_name);

// A folder for the archive on its way to stdout: removed with what it holds however the
// command ends, a second Ctrl-C included.
class TemporaryFolder {
 public:
  // Throws pixxel::Error when the folder cannot be made.
  TemporaryFolder();
  ~TemporaryFolder();
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Copies the file at `path` to standard output with write(2), whose errors (EPIPE above all)
// are seen as they happen. Returns 0, or the errno of the write that failed.
int copy_to_stdout(const std::string& path);

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_DOWNLOAD_TARGET_HPP_
