// What the pixxel command line needs beyond CLI11: validators whose errors a person can read,
// "did you mean" for a mistyped command, and Ctrl-C turned into a cancellation.
#ifndef PIXXEL_CLI_COMMAND_LINE_HPP_
#define PIXXEL_CLI_COMMAND_LINE_HPP_

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <streambuf>
#include <string>
#include <vector>

#include "pixxel/cancellation.hpp"

namespace pixxel_cli {

// A number of seconds: above 0, or from 0 with `allow_zero`.
CLI::Validator seconds(bool allow_zero);
// A whole number from `min` to `max`, said as such ("at least 1", "from 1 to 1000").
CLI::Validator whole_number(std::int64_t min, std::int64_t max);
// A date as Pixxel's list filters take it: YYYY-MM-DD (ISO 8601).
CLI::Validator iso_date();

// When `args` (argv without the program) name a command `app` does not have where a command
// is expected, the message for it, with the closest command's name when one is close:
// `unknown command "lsit" for "pixxel jobs"; did you mean "list"?`.
std::optional<std::string> unknown_command(const CLI::App& app,
                                           const std::vector<std::string>& args);

// The command `words` name under `app` (for `pixxel help jobs list`); nullptr when a word
// names none.
const CLI::App* find_command(const CLI::App& app, const std::vector<std::string>& words);

// std::cout's buffer once install()ed: it writes with write(2) and keeps the errno of the
// first write that failed, which iostreams and stdio forget (a full disk, a closed pipe).
class StdoutBuffer final : public std::streambuf {
 public:
  static StdoutBuffer& install();
  // Writes what is buffered; then 0, or the errno of the first write that failed.
  int error();

 protected:
  int_type overflow(int_type c) override;
  int sync() override;

 private:
  StdoutBuffer();
  void write_out();

  std::vector<char> buffer_;
  int error_ = 0;
};

// What a second Ctrl-C must still remove: it ends the process at once, running no destructor.
// Forget a path once it is removed or kept.
void remove_at_abrupt_exit(const std::string& path);
void forget_at_abrupt_exit(const std::string& path);

// Makes SIGINT and SIGTERM cancel `token()` instead of killing the process: a thread of its own
// waits for them (so nothing runs in a signal handler), and a second one exits at once. Call
// before any other thread starts, so that every thread leaves the signals to it.
class Interrupts {
 public:
  static Interrupts& watch();
  pixxel::CancellationToken token() const;
  // The signal that cancelled, or 0.
  int signal() const;

 private:
  Interrupts();
  struct State;
  State* state_;
};

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_COMMAND_LINE_HPP_
