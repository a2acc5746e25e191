// pixxel jobs create|get|list|wait|download.
#include "cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "exit_codes.hpp"
#include "text.hpp"

namespace pixxel_cli {

namespace {

// A folder for the archive on its way to stdout: removed with what it holds however the
// command ends, a second Ctrl-C included.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    std::string folder =
        (std::filesystem::temp_directory_path() / "pixxel-download-XXXXXX").string();
    if (mkdtemp(folder.data()) == nullptr) {
      throw pixxel::Error("cannot make a temporary folder for the download: " +
                          std::string(std::strerror(errno)));
    }
    path_ = std::move(folder);
    remove_at_abrupt_exit(path_);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
    forget_at_abrupt_exit(path_);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

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

// A JSON string's text from `at` (its opening quote) on, its end past the closing quote; none
// when the body ends first.
std::optional<std::string> json_string(std::string_view body, std::size_t& at) {
  std::string text;
  for (std::size_t i = at + 1; i < body.size(); ++i) {
    if (body[i] == '"') {
      at = i + 1;
      return text;
    }
    if (body[i] == '\\' && i + 1 < body.size()) ++i;  // an escaped character, kept as it is
    text += body[i];
  }
  return std::nullopt;
}

// The top-level "id" string of an answer that did not decode, read leniently: the body may be
// cut short or break the model elsewhere, so when it does not parse it is scanned.
std::string id_in_answer(std::string_view body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_discarded()) {
    if (!parsed.is_object()) return {};
    const auto id = parsed.find("id");
    return id != parsed.end() && id->is_string() ? id->get<std::string>() : std::string();
  }
  const auto skip_space = [&](std::size_t i) {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i])) != 0) ++i;
    return i;
  };
  int depth = 0;
  for (std::size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (c == '"') {
      const auto text = json_string(body, i);
      if (!text) return {};
      std::size_t next = skip_space(i);
      const bool a_key = next < body.size() && body[next] == ':';
      if (depth != 1 || !a_key || *text != "id") continue;
      next = skip_space(next + 1);
      if (next >= body.size() || body[next] != '"') return {};
      return json_string(body, next).value_or("");
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ++i;
  }
  return {};
}

}  // namespace

int Cli::create(bool max_cost_given) {
  if (max_cost_given) {
    const std::int64_t cost = client_->estimate_cost(args_.workflow, call_).estimated_cost;
    const std::string figures = std::to_string(cost) + " tokens";
    const std::string limit = "--max-cost " + std::to_string(args_.max_cost);
    if (cost > args_.max_cost) {
      return fail(pixxel_examples::kOverBudget, "over_budget",
                  "the estimated cost of workflow " + pixxel_jobs::printable(args_.workflow) +
                      " is " + figures + ", above " + limit + "; no job was created");
    }
    line_.message(std::string(kProgram) + ": estimated cost " + figures + ", within " + limit);
  }
  pixxel::Job job;
  try {
    job = client_->create_job(args_.workflow, args_.project, call_);
  } catch (const pixxel::Error& e) {
    if (e.outcome_unknown()) look_for_created_job(e);
    throw;
  }
  created_job_ = job.id;
  created_notes_.push_back("job " + pixxel_jobs::printable(job.id) + " was created; to see it: " +
                           command({"jobs", "get", args_.workflow, job.id}));
  if (!args_.wait) return print(job);
  line_.message(std::string(kProgram) + ": created job " + pixxel_jobs::printable(job.id) +
                ", waiting for it");
  return finish(
      wait_for(job.id, &job, wait_deadline(), command({"jobs", "wait", args_.workflow, job.id})));
}

void Cli::look_for_created_job(const pixxel::Error& e) {
  using std::chrono::system_clock;
  const auto utc = [](system_clock::time_point when, const char* format) {
    const std::time_t t = system_clock::to_time_t(when);
    std::tm parts{};
    gmtime_r(&t, &parts);
    char text[32];
    std::strftime(text, sizeof text, format, &parts);
    return std::string(text);
  };
  const std::string look = command(
      {"jobs", "list", args_.workflow, "--created-on", utc(system_clock::now(), "%Y-%m-%d")});
  std::string why = "the request reached the server, but what became of it is unknown";
  if (dynamic_cast<const pixxel::CancelledError*>(&e) != nullptr) {
    why = "interrupted after the request was sent";
  } else if (dynamic_cast<const pixxel::TransportError*>(&e) != nullptr) {  // a timeout too
    why = "the request was sent but no answer came back";
  } else if (const auto* api = dynamic_cast<const pixxel::ApiError*>(&e)) {
    why = api->status_code() >= 500
              ? "the server failed (" + std::to_string(api->status_code()) +
                    ") after the request reached it"
              : why + " (the last answer: " + std::to_string(api->status_code()) + ")";
  } else if (const auto* decode = dynamic_cast<const pixxel::DecodeError*>(&e)) {
    const int status = decode->status_code();
    why = "the server answered" + (status != 0 ? " " + std::to_string(status) : std::string()) +
          " with what is not a job";
    // The raw answer may still name the job.
    const std::optional<std::string> body = recorder_ ? recorder_->last_body() : std::nullopt;
    const std::string id = body ? id_in_answer(*body) : std::string();
    if (!id.empty()) {
      answered_job_ = id;
      hints_.push_back("the answer names job " + pixxel_jobs::printable(id) +
                       ", which was probably created; to see it: " +
                       command({"jobs", "get", args_.workflow, id}));
    }
  }
  hints_.push_back(why + ": a job may have been created. Look before creating another: " + look);
  // Known already; or the user asked to stop, and is told how to look.
  if (!answered_job_.empty() || dynamic_cast<const pixxel::CancelledError*>(&e) != nullptr) {
    return;
  }

  // One look, never a second create. A server's clock may be behind this one: its created_at
  // is read from a minute before the request went out.
  const system_clock::time_point sent = e.sent_at().value_or(system_clock::now() - kNoSentAt);
  const system_clock::time_point since = sent - kClockSkew;
  const std::string from = utc(since, "%Y-%m-%d %H:%M:%S UTC") +
                           (e.sent_at() ? " (a minute before the request was sent, for clock skew)"
                                        : " (when the request was sent is not known)");
  std::vector<pixxel::Job> jobs;
  try {
    jobs = client_->find_jobs_created_since(args_.workflow, since, call_);
  } catch (const pixxel::Error& lookup) {
    hints_.push_back("looking for the jobs of workflow " + pixxel_jobs::printable(args_.workflow) +
                     " created since " + from + " failed (" +
                     pixxel_jobs::printable(lookup.what()) + "); look with the command above");
    return;
  }
  candidates_ = nlohmann::ordered_json::array();
  if (jobs.empty()) {
    hints_.push_back("no job of workflow " + pixxel_jobs::printable(args_.workflow) +
                     " was created since " + from +
                     " as far as the server lists them now; one may still appear, so look again "
                     "before creating another");
    return;
  }
  hints_.push_back("jobs of workflow " + pixxel_jobs::printable(args_.workflow) +
                   " created since " + from +
                   ", newest first; yours may be among them (compare created_by, the time):");
  for (const pixxel::Job& candidate : jobs) {
    candidates_->push_back({{"id", candidate.id},
                            {"created_at", candidate.created_at},
                            {"status", candidate.status},
                            {"created_by", candidate.created_by}});
    hints_.push_back("  " + pixxel_jobs::printable(candidate.id) + "  created " +
                     pixxel_jobs::printable(candidate.created_at) + "  " +
                     pixxel_jobs::printable(candidate.status) +
                     "  to see it: " + command({"jobs", "get", args_.workflow, candidate.id}));
  }
}

int Cli::get() { return print(client_->get_job(args_.workflow, args_.job, call_)); }

int Cli::list() {
  const std::vector<pixxel::Job> jobs = client_->list_jobs(args_.workflow, args_.query, call_);
  if (args_.json) {
    print_answer();
  } else if (jobs.empty()) {
    std::string text = std::string(kProgram) + ": no jobs found";
    if (!args_.query.status.empty()) {
      // Pixxel documents no list of statuses, so any is sent; say which ones it does show.
      text += " with status \"" + pixxel_jobs::printable(args_.query.status) +
              "\" (Pixxel's documented statuses include " + kDocumentedStatuses + ")";
    }
    line_.message(text);
  } else {
    pixxel_jobs::print_job_list(std::cout, jobs);
  }
  return pixxel_examples::kOk;
}

int Cli::wait() {
  return finish(wait_for(args_.job, nullptr, wait_deadline(),
                         command({"jobs", "wait", args_.workflow, args_.job})));
}

int Cli::download() {
  // Everything about the target is checked before the server is asked for anything.
  const DownloadTarget target = download_target();
  const std::optional<Clock::time_point> deadline = wait_deadline();
  // Without --wait only the archive of an ended job is waited for, and only so long.
  const Clock::time_point archive_deadline = deadline.value_or(Clock::now() + kDefaultArchiveWait);
  std::string resume = command({"jobs", "download", args_.workflow, args_.job, "--wait"});
  if (!args_.task.empty()) resume += " --task " + shell_quote(args_.task);
  if (!args_.output.empty()) resume += " --output " + shell_quote(args_.output);

  pixxel::Job job =
      args_.wait ? wait_for(args_.job, nullptr, deadline, resume)
                 : patiently([&] { return client_->get_job(args_.workflow, args_.job, call_); },
                             archive_deadline);
  const std::string task_id = args_.task.empty() ? "" : resolve_task(job, args_.task);
  if (auto failed = check_failed(job, task_id)) return *failed;
  if (!pixxel::is_terminal_status(job.status)) {
    hints_.push_back("to wait for it and then download: " + resume);
    return fail(pixxel_examples::kNotFinished, "not_finished",
                "job " + pixxel_jobs::printable(job.id) + " has not ended yet (status \"" +
                    pixxel_jobs::printable(job.status) +
                    "\"); its files can be downloaded once it has");
  }

  pixxel::DownloadLink link = patiently([&] { return ask_for_link(task_id); }, archive_deadline);
  if (!iequals(link.status, "ready")) {
    link = wait_for_archive(std::move(link), task_id, archive_deadline);
  }

  // Made only now, and removed however the command ends.
  std::optional<TemporaryFolder> stdout_folder;
  std::string path = target.path;
  if (target.to_stdout) {
    stdout_folder.emplace();
    path = (std::filesystem::path(stdout_folder->path()) / default_file_name()).string();
  }
  pixxel_jobs::DownloadProgressView view(line_, target.to_stdout ? "stdout" : path);
  pixxel::SaveOptions save;
  save.overwrite = args_.force || target.to_stdout;
  save.on_progress = [&](const pixxel::DownloadProgress& progress) { view.update(progress); };
  std::uint64_t bytes = 0;
  try {
    bytes = client_->save_download(link, path, save, call_);
  } catch (const pixxel::InvalidArgumentError& e) {
    // The file was checked to be absent before the download: it appeared since, another
    // download to the same path won the race. The SDK's words name its option, not ours.
    struct stat there {};
    const bool appeared =
        !save.overwrite && ::lstat(path.c_str(), &there) == 0 &&
        std::string_view(e.what()).find("SaveOptions::overwrite") != std::string_view::npos;
    if (!appeared) throw;
    throw pixxel::InvalidArgumentError(
        "\"" + pixxel_jobs::printable(path) +
        "\" appeared while the archive was downloading (another download to the same path?); "
        "pass --force to replace it");
  }
  line_.finish();

  if (target.to_stdout) {
    // Copied only once complete, so a broken download never leaves half an archive in a pipe.
    const int error = copy_to_stdout(path);
    // A reader that went away wants no more, as `cat` knows: no message.
    if (error == EPIPE) return pixxel_examples::kBrokenPipe;
    if (error != 0) {
      return fail(
          pixxel_examples::kUnexpected, "write_failed",
          "cannot write the archive to standard output: " + std::string(std::strerror(error)));
    }
    return pixxel_examples::kOk;
  }
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(target.path, error);
  const std::string where = error ? target.path : absolute.string();
  if (args_.json) {
    // No API answer is the file: the path and size, and the link's answer as received.
    std::cout << "{\"path\": "
              << nlohmann::json(where).dump(-1, ' ', false,
                                            nlohmann::json::error_handler_t::replace)
              << ", \"bytes\": " << bytes << ", \"link\": " << answer_body() << "}\n";
  } else {
    std::cout << "saved " << pixxel_jobs::format_bytes(bytes) << " to " << where << "\n";
  }
  return pixxel_examples::kOk;
}

std::string Cli::default_file_name() const {
  return file_name_part(args_.job) + (args_.task.empty() ? "" : "-" + file_name_part(args_.task)) +
         ".zip";
}

DownloadTarget Cli::download_target() const {
  namespace fs = std::filesystem;
  const std::string& output = args_.output;
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
        throw pixxel::InvalidArgumentError("cannot write \"" + pixxel_jobs::printable(output) +
                                           "\": " + std::strerror(errno));
      }
      return {output, false};
    }
  }
  const auto invalid = [&](const std::string& path, const std::string& why) {
    return pixxel::InvalidArgumentError("cannot write \"" + pixxel_jobs::printable(path) +
                                        "\": " + why);
  };
  std::error_code error;
  fs::path path = output.empty() ? fs::path(default_file_name()) : fs::path(output);
  const bool names_a_folder = !output.empty() && output.back() == '/';
  if (names_a_folder || fs::is_directory(path, error)) {
    if (!fs::is_directory(path, error)) {
      throw invalid(output, "the folder \"" + pixxel_jobs::printable(output) + "\" does not exist");
    }
    path /= default_file_name();
  }
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string shown = pixxel_jobs::printable(folder.string());
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
  if (!args_.force && fs::exists(fs::symlink_status(path, error))) {
    throw pixxel::InvalidArgumentError("\"" + pixxel_jobs::printable(path.string()) +
                                       "\" exists; pass --force to replace it");
  }
  return {path.string(), false};
}

// --task takes a task's id or its name.
std::string Cli::resolve_task(const pixxel::Job& job, const std::string& task) {
  for (const auto& t : job.tasks) {
    if (t.id == task) return t.id;
  }
  for (const auto& t : job.tasks) {
    if (t.name == task) return t.id;
  }
  return task;  // unknown here: the server says what it makes of it
}

// kJobFailed, after printing the job, when the job (or the task) whose archive is wanted
// ended without success: its archive will never be ready.
std::optional<int> Cli::check_failed(const pixxel::Job& job, const std::string& task_id) {
  if (task_id.empty()) {
    if (!pixxel_jobs::is_failed_status(job.status)) return std::nullopt;
    return finish(job);
  }
  for (const auto& task : job.tasks) {
    if (task.id != task_id || !pixxel_jobs::is_failed_status(task.status)) continue;
    print(job);
    return fail(pixxel_examples::kJobFailed, "job_failed",
                "task " + pixxel_jobs::printable(task.name) + " (" +
                    pixxel_jobs::printable(task.id) + ") ended with status " +
                    pixxel_jobs::printable(task.status));
  }
  return std::nullopt;
}

pixxel::DownloadLink Cli::ask_for_link(const std::string& task_id) {
  return task_id.empty() ? client_->download_job(args_.workflow, args_.job, call_)
                         : client_->download_task(args_.workflow, args_.job, task_id, call_);
}

// Asks for the link again until the archive is ready, up to `deadline`, riding out transient
// failures as a wait does.
pixxel::DownloadLink Cli::wait_for_archive(pixxel::DownloadLink link, const std::string& task_id,
                                           Clock::time_point deadline) {
  milliseconds pause = poll_interval();
  bool announced = false;
  while (!iequals(link.status, "ready")) {
    const std::string status = pixxel_jobs::printable(link.status);
    if (pixxel_jobs::is_failed_status(link.status)) {
      throw pixxel::Error("the archive cannot be made (status \"" + status + "\")");
    }
    if (!announced) {
      line_.message(std::string(kProgram) + ": the archive is not ready yet (status \"" + status +
                    "\"); waiting for it");
      announced = true;
    }
    if (Clock::now() + pause > deadline) {
      throw pixxel::TimeoutError("the archive was still not ready (status \"" + status +
                                 "\"); try again later");
    }
    nap(pause);
    pause = std::min(pause + pause / 2, std::max(poll_interval(), kMaxPollInterval));
    link = patiently([&] { return ask_for_link(task_id); }, deadline);
  }
  return link;
}

}  // namespace pixxel_cli
