#include "command_line.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "text_util.hpp"  // is_iso_date

namespace pixxel_cli {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<const CLI::App*> commands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

const CLI::App* command_named(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : commands_of(app)) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// The option `name` as `app` or, since global options fall through, one of its parents has it.
const CLI::Option* option_named(const CLI::App* app, const std::string& name) {
  for (; app != nullptr; app = app->get_parent()) {
    if (const CLI::Option* option = app->get_option_no_throw(name)) return option;
  }
  return nullptr;
}

std::string path_of(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* parent = app.get_parent(); parent != nullptr;
       parent = parent->get_parent()) {
    path = parent->get_name() + " " + path;
  }
  return path;
}

}  // namespace

CLI::Validator seconds(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& text) -> std::string {
        double value = 0;
        std::size_t used = 0;
        try {
          value = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        const bool ok = used == text.size() && value == value && value <= 1e9 &&
                        (allow_zero ? value >= 0 : value > 0);
        if (ok) return {};
        return std::string("must be ") + (allow_zero ? "0 or more" : "more than 0") +
               " seconds, not \"" + text + "\"";
      },
      allow_zero ? "SECONDS>=0" : "SECONDS>0");
}

CLI::Validator whole_number(std::int64_t min, std::int64_t max) {
  const std::string range =
      max == std::numeric_limits<std::int64_t>::max()
          ? "a whole number of at least " + std::to_string(min)
          : "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        std::size_t used = 0;
        long long value = 0;
        try {
          value = std::stoll(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == text.size() && value >= min && value <= max) return {};
        return "must be " + range + ", not \"" + text + "\"";
      },
      "N");
}

CLI::Validator iso_date() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (is_iso_date(text)) return {};
        return "must be a date as YYYY-MM-DD (ISO 8601, as Pixxel documents), not \"" + text + "\"";
      },
      "YYYY-MM-DD");
}

std::optional<std::string> unknown_command(const CLI::App& app,
                                           const std::vector<std::string>& args) {
  const CLI::App* current = &app;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") return std::nullopt;
    if (word.size() > 1 && word[0] == '-') {
      if (word.find('=') != std::string::npos) continue;
      const CLI::Option* option = option_named(current, word);
      if (option != nullptr && option->get_items_expected_min() > 0) ++i;  // its value
      continue;
    }
    if (const CLI::App* sub = command_named(*current, word)) {
      current = sub;
      continue;
    }
    const auto commands = commands_of(*current);
    if (commands.empty()) return std::nullopt;  // a command's own argument
    std::string message = "unknown command \"" + word + "\" for \"" + path_of(*current) + "\"";
    const CLI::App* closest = nullptr;
    std::size_t best = std::numeric_limits<std::size_t>::max();
    for (const CLI::App* sub : commands) {
      const std::size_t distance = edit_distance(word, sub->get_name());
      const bool prefix = sub->get_name().rfind(word, 0) == 0;
      if ((prefix || distance <= std::max<std::size_t>(2, word.size() / 3)) && distance < best) {
        closest = sub;
        best = distance;
      }
    }
    if (closest != nullptr) return message + "; did you mean \"" + closest->get_name() + "\"?";
    message += "; its commands are";
    for (const CLI::App* sub : commands) message += " " + sub->get_name();
    return message;
  }
  return std::nullopt;
}

const CLI::App* find_command(const CLI::App& app, const std::vector<std::string>& words) {
  const CLI::App* current = &app;
  for (const std::string& word : words) {
    current = command_named(*current, word);
    if (current == nullptr) return nullptr;
  }
  return current;
}

StdoutBuffer::StdoutBuffer() : buffer_(1 << 16) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

StdoutBuffer& StdoutBuffer::install() {
  static auto* buffer = new StdoutBuffer();  // never destroyed: output may come until exit
  std::cout.rdbuf(buffer);
  // A person reading a terminal sees each line as it is printed.
  if (isatty(STDOUT_FILENO) == 1) std::cout.setf(std::ios::unitbuf);
  return *buffer;
}

int StdoutBuffer::error() {
  write_out();
  return error_;
}

StdoutBuffer::int_type StdoutBuffer::overflow(int_type c) {
  write_out();
  if (error_ != 0) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

int StdoutBuffer::sync() {
  write_out();
  return error_ == 0 ? 0 : -1;
}

void StdoutBuffer::write_out() {
  for (const char* next = pbase(); next < pptr() && error_ == 0;) {
    const ssize_t n = ::write(STDOUT_FILENO, next, static_cast<std::size_t>(pptr() - next));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_ = errno;
    if (n > 0) next += n;
  }
  // What could not be written is dropped: the first error is what the run reports.
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

namespace {

struct AbruptExitFiles {
  std::mutex mutex;
  std::set<std::string> paths;
};

AbruptExitFiles& abrupt_exit_files() {
  static auto* files = new AbruptExitFiles();  // never destroyed: the signal thread may use it
  return *files;
}

}  // namespace

void remove_at_abrupt_exit(const std::string& path) {
  AbruptExitFiles& files = abrupt_exit_files();
  const std::lock_guard<std::mutex> lock(files.mutex);
  files.paths.insert(path);
}

void forget_at_abrupt_exit(const std::string& path) {
  AbruptExitFiles& files = abrupt_exit_files();
  const std::lock_guard<std::mutex> lock(files.mutex);
  files.paths.erase(path);
}

struct Interrupts::State {
  pixxel::CancellationSource source;
  std::atomic<int> signal{0};
  sigset_t set;
};

Interrupts::Interrupts() : state_(new State) {  // lives as long as the process
  sigemptyset(&state_->set);
  sigaddset(&state_->set, SIGINT);
  sigaddset(&state_->set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &state_->set, nullptr);
  std::thread([state = state_] {
    for (;;) {
      int signal = 0;
      if (sigwait(&state->set, &signal) != 0) continue;
      if (state->signal.exchange(signal) != 0) {  // the second: now
        AbruptExitFiles& files = abrupt_exit_files();
        const std::lock_guard<std::mutex> lock(files.mutex);
        for (const std::string& path : files.paths) {
          std::error_code ignored;
          std::filesystem::remove_all(path, ignored);
        }
        _exit(128 + signal);
      }
      state->source.cancel();
    }
  }).detach();
}

Interrupts& Interrupts::watch() {
  static Interrupts* interrupts = new Interrupts();  // never destroyed: its thread may run
  return *interrupts;
}

pixxel::CancellationToken Interrupts::token() const { return state_->source.token(); }

int Interrupts::signal() const { return state_->signal.load(); }

}  // namespace pixxel_cli
