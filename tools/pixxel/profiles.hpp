// Named profiles for the pixxel CLI: a TOML file of settings sets (key, base URL, timeout,
// retries), one chosen with --profile or PIXXEL_PROFILE, so that switching between the mock
// server and production is one flag.
//
//   default_profile = "mock"          # optional: the profile used when none is named
//   [profiles.mock]
//   base_url = "http://127.0.0.1:8080"
//   api_key = "mock-key"
//   timeout = 5                        # seconds per request, as --timeout
//   retries = 0                        # as --retries
//
// Precedence, highest first: flags; the profile named by --profile; the environment
// (PIXXEL_API_KEY, PIXXEL_BASE_URL); the profile named by PIXXEL_PROFILE or default_profile;
// the built-in defaults. A profile named on the command line thus beats a key exported in
// the shell, as `aws --profile` does, while an exported key beats a profile merely selected
// by the environment.
#ifndef PIXXEL_CLI_PROFILES_HPP_
#define PIXXEL_CLI_PROFILES_HPP_

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace pixxel_cli {

struct Profile {
  std::string name;
  std::optional<std::string> api_key;
  std::optional<std::string> base_url;
  std::optional<std::string> timeout;  // as written; the --timeout option checks it
  std::optional<std::string> retries;  // as written; the --retries option checks it
};

struct ConfigFile {
  std::string path;
  bool exists = false;
  unsigned mode = 0;  // its permission bits
  std::string default_profile;
  std::vector<Profile> profiles;
};

// $PIXXEL_CONFIG, else $XDG_CONFIG_HOME/pixxel/config.toml, else
// $HOME/.config/pixxel/config.toml; empty when none of them is set.
std::string config_path();

// Reads the file at `path`. A missing file is an empty ConfigFile (exists false); a malformed
// one throws pixxel::ConfigurationError naming the file and the line.
ConfigFile load_config(const std::string& path);

// A warning on `err`, as ssh and gh give, when the file holds an API key that users other
// than its owner may read or change: it names `chmod 600`.
void warn_if_exposed(const ConfigFile& file, std::ostream& err);

// The global options a profile can fill; any of them may be null (then it is left alone).
struct ProfileTargets {
  CLI::Option* api_key = nullptr;
  CLI::Option* base_url = nullptr;
  CLI::Option* timeout = nullptr;
  CLI::Option* retries = nullptr;
};

// What apply_profile chose and which of the key and the URL it gave, so that errors can name
// where a rejected key came from and printed commands can choose the same profile again.
struct AppliedProfile {
  std::string name;  // empty: no profile
  std::string path;  // its file
  bool api_key = false;
  bool base_url = false;
  // `profile "NAME" in FILE`, for messages.
  std::string where() const;
};

// Chooses the profile (`flag_profile` when --profile was given, else PIXXEL_PROFILE, else the
// file's default_profile) and gives each target it sets a value, when the precedence above
// lets it. Throws pixxel::ConfigurationError when a named profile or its file does not exist
// (naming the file and the profiles it has) or a value fails the option's check. Never puts
// a key in a message.
AppliedProfile apply_profile(const std::optional<std::string>& flag_profile,
                             const ProfileTargets& targets);

// `pixxel profiles`: the file's path and its profiles with what each sets; a key shows as
// "set", never as itself.
int print_profiles(std::ostream& out);

}  // namespace pixxel_cli

#endif  // PIXXEL_CLI_PROFILES_HPP_
