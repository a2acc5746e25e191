// Text as the pixxel CLI handles it: comparing the API's words, making the server's text safe
// for a terminal, and the words of a printed command. The CLI's own, so that it needs nothing
// but the SDK's public API.
#ifndef PIXXEL_CLI_TEXT_UTIL_HPP_
#define PIXXEL_CLI_TEXT_UTIL_HPP_

#include <chrono>
#include <string>
#include <string_view>

namespace pixxel_cli {

// ASCII case-insensitive equality, whatever the C locale: the API's statuses ("READY",
// "Failed") are compared so.
bool iequals(std::string_view a, std::string_view b);

// Text from the server with control characters replaced, so that it cannot move the
// cursor or change the terminal's state.
std::string printable(std::string_view text);

// "120 s", "1.5 s".
std::string format_seconds(std::chrono::milliseconds delay);

// A number of seconds as given on the command line, in milliseconds.
std::chrono::milliseconds to_milliseconds(double seconds);

// A file name made of an id: no directories, no control characters.
std::string file_name_part(std::string_view id);

// Words quoted for a POSIX shell where needed, so that a printed command can be pasted back.
std::string shell_quote(std::string_view word);

// True for a date in the form Pixxel's list filters take (ISO 8601: YYYY-MM-DD).
bool is_iso_date(std::string_view text);

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_TEXT_UTIL_HPP_
