#include "profiles.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "pixxel/errors.hpp"
#include "text_util.hpp"

namespace pixxel_cli {
namespace {

using pixxel::ConfigurationError;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// A TOML subset: what a profile needs and no more, so that a key with `#` or `,` in it is
// read as written (CLI11's config reader would cut or split it).
class Parser {
 public:
  explicit Parser(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigurationError(path_ + ":" + std::to_string(line_) + ": " + what);
  }

  // A double-quoted string (\" \\ \n \t escapes), a single-quoted literal, or a bare word
  // (numbers, true/false); then only a comment may follow.
  std::string value(const std::string& text) {
    std::string out;
    std::size_t i = 0;
    if (text.empty()) fail("a value is missing");
    if (text[0] == '"' || text[0] == '\'') {
      const char quote = text[0];
      for (i = 1; i < text.size() && text[i] != quote; ++i) {
        if (quote == '"' && text[i] == '\\' && i + 1 < text.size()) {
          const char next = text[++i];
          out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
        } else {
          out += text[i];
        }
      }
      if (i >= text.size()) fail("a string is not closed");
      ++i;
    } else {
      while (i < text.size() && text[i] != '#' && text[i] != ' ' && text[i] != '\t') {
        out += text[i++];
      }
    }
    const std::string rest = trim(text.substr(i));
    if (!rest.empty() && rest[0] != '#') fail("unexpected text after the value");
    return out;
  }

  ConfigFile parse(std::istream& in) {
    ConfigFile file;
    file.path = path_;
    file.exists = true;
    Profile* current = nullptr;
    std::string raw;
    while (std::getline(in, raw)) {
      ++line_;
      const std::string text = trim(raw);
      if (text.empty() || text[0] == '#') continue;
      if (text[0] == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos) fail("a table header is not closed");
        std::string table = trim(text.substr(1, close - 1));
        const std::string prefix = "profiles.";
        if (table.compare(0, prefix.size(), prefix) != 0 || table.size() == prefix.size()) {
          fail("unknown table [" + printable(table) + "]; profiles are [profiles.NAME]");
        }
        std::string name = table.substr(prefix.size());
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
          name = name.substr(1, name.size() - 2);
        }
        for (const Profile& known : file.profiles) {
          if (known.name == name) fail("profile \"" + printable(name) + "\" twice");
        }
        file.profiles.push_back(Profile{name, {}, {}, {}, {}});
        current = &file.profiles.back();
        continue;
      }
      const auto eq = text.find('=');
      if (eq == std::string::npos) fail("expected `name = value`");
      const std::string key = trim(text.substr(0, eq));
      const std::string val = value(trim(text.substr(eq + 1)));
      if (current == nullptr) {
        if (key != "default_profile") {
          fail("unknown setting \"" + printable(key) +
               "\" (before the first [profiles.NAME] only default_profile)");
        }
        file.default_profile = val;
        continue;
      }
      std::optional<std::string>* slot = key == "api_key"    ? &current->api_key
                                         : key == "base_url" ? &current->base_url
                                         : key == "timeout"  ? &current->timeout
                                         : key == "retries"  ? &current->retries
                                                             : nullptr;
      if (slot == nullptr) {
        fail("unknown setting \"" + printable(key) +
             "\" (a profile has api_key, base_url, timeout, retries)");
      }
      *slot = val;
    }
    return file;
  }

 private:
  std::string path_;
  int line_ = 0;
};

std::string names_of(const ConfigFile& file) {
  if (file.profiles.empty()) return "it has no profiles";
  std::string out = "it has: ";
  for (std::size_t i = 0; i < file.profiles.size(); ++i) {
    if (i > 0) out += ", ";
    out += printable(file.profiles[i].name);
  }
  return out;
}

// Gives an option not given on the command line the profile's value, through the option
// itself, so that its check (a range, a number) applies as it would to the flag.
bool fill(CLI::Option* option, const std::optional<std::string>& value, const Profile& profile,
          const ConfigFile& file, const char* setting, bool secret) {
  if (option == nullptr || !value || option->count() > 0) return false;
  try {
    option->add_result(*value);
    option->run_callback();
  } catch (const CLI::Error& e) {
    std::string what =
        std::string(setting) + " of profile \"" + printable(profile.name) + "\" in " + file.path;
    // A check's message quotes the value: never when the value is the key.
    throw ConfigurationError(what +
                             (secret ? std::string(" is not valid") : ": " + printable(e.what())));
  }
  return true;
}

}  // namespace

std::string config_path() {
  std::string path = env("PIXXEL_CONFIG");
  if (!path.empty()) return path;
  const std::string xdg = env("XDG_CONFIG_HOME");
  if (!xdg.empty()) return xdg + "/pixxel/config.toml";
  const std::string home = env("HOME");
  if (!home.empty()) return home + "/.config/pixxel/config.toml";
  return {};
}

ConfigFile load_config(const std::string& path) {
  ConfigFile file;
  file.path = path;
  if (path.empty()) return file;
  std::ifstream in(path);
  if (!in) return file;
  file = Parser(path).parse(in);
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0) file.mode = status.st_mode & 07777;
  return file;
}

void warn_if_exposed(const ConfigFile& file, std::ostream& err) {
  const bool holds_a_key = std::any_of(file.profiles.begin(), file.profiles.end(),
                                       [](const Profile& p) { return p.api_key.has_value(); });
  if (!file.exists || !holds_a_key || (file.mode & 077) == 0) return;
  char mode[16];
  std::snprintf(mode, sizeof mode, "%04o", file.mode & 07777u);
  const std::string path = printable(file.path);
  err << "pixxel: warning: " << path << " holds an API key that others can read (mode " << mode
      << "); make it yours alone: chmod 600 " << path << "\n"
      << std::flush;
}

std::string AppliedProfile::where() const {
  return "profile \"" + printable(name) + "\" in " + printable(path);
}

AppliedProfile apply_profile(const std::optional<std::string>& flag_profile,
                             const ProfileTargets& targets) {
  const std::string path = config_path();
  std::string name;
  bool above_environment = false;
  if (flag_profile) {
    name = *flag_profile;
    above_environment = true;
  } else {
    name = env("PIXXEL_PROFILE");
  }
  ConfigFile file = load_config(path);
  warn_if_exposed(file, std::cerr);
  if (name.empty()) name = file.default_profile;
  if (name.empty()) return {};
  const std::string where =
      path.empty() ? std::string("no config file (set PIXXEL_CONFIG)") : printable(path);
  if (!file.exists) {
    throw ConfigurationError("profile \"" + printable(name) + "\": " + where + " does not exist");
  }
  const Profile* profile = nullptr;
  for (const Profile& candidate : file.profiles) {
    if (candidate.name == name) profile = &candidate;
  }
  if (profile == nullptr) {
    throw ConfigurationError("no profile \"" + printable(name) + "\" in " + where + "; " +
                             names_of(file));
  }
  // The key and the URL have environment variables, which a profile chosen by the
  // environment does not override.
  const bool env_key = !above_environment && !env("PIXXEL_API_KEY").empty();
  const bool env_url = !above_environment && !env("PIXXEL_BASE_URL").empty();
  AppliedProfile applied;
  applied.name = name;
  applied.path = path;
  applied.api_key =
      !env_key && fill(targets.api_key, profile->api_key, *profile, file, "api_key", true);
  applied.base_url =
      !env_url && fill(targets.base_url, profile->base_url, *profile, file, "base_url", false);
  fill(targets.timeout, profile->timeout, *profile, file, "timeout", false);
  fill(targets.retries, profile->retries, *profile, file, "retries", false);
  return applied;
}

int print_profiles(std::ostream& out) {
  const std::string path = config_path();
  const ConfigFile file = load_config(path);
  warn_if_exposed(file, std::cerr);
  if (!file.exists) {
    out << "no config file: " << (path.empty() ? "set PIXXEL_CONFIG" : path + " does not exist")
        << "\n";
    return 0;
  }
  out << printable(file.path) << "\n";
  const std::string selected = env("PIXXEL_PROFILE");
  for (const Profile& profile : file.profiles) {
    const bool is_default = profile.name == file.default_profile;
    out << (profile.name == selected ? "* " : "  ") << printable(profile.name)
        << (is_default ? " (default)" : "") << "\n";
    if (profile.base_url) out << "    base_url = " << printable(*profile.base_url) << "\n";
    if (profile.api_key) out << "    api_key  = (set)\n";
    if (profile.timeout) out << "    timeout  = " << printable(*profile.timeout) << "\n";
    if (profile.retries) out << "    retries  = " << printable(*profile.retries) << "\n";
  }
  return 0;
}

}  // namespace pixxel_cli
