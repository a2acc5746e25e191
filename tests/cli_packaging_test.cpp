// The pixxel CLI as installed: completion scripts made from its command tree, --help-all (the
// man page's source), and named profiles from the config file, with their precedence.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cli_fixture.hpp"

namespace {

using namespace pixxel::testing::cli;
using namespace pixxel_cli;

namespace fs = std::filesystem;

// Runs `script` with bash and returns its stdout; the exit code goes to `exit_code`.
std::string run_bash(const fs::path& script, int& exit_code) {
  const std::string command = "bash " + script.string() + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = pclose(pipe);
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

class CliPackagingTest : public CliTest {
 protected:
  std::string completion(const std::string& shell) {
    const RunResult result = run({"completion", shell});
    EXPECT_TRUE(exited_with(result, kOk));
    return result.out;
  }

  // What bash completes for `line` (the word under the cursor is the last, possibly empty),
  // by the generated script's function, as bash-completion would call it.
  std::vector<std::string> bash_completes(const std::vector<std::string>& words) {
    const fs::path script = temp_dir() / "completion.bash";
    write(script, completion("bash"));
    std::string words_text;
    for (const std::string& word : words) words_text += " '" + word + "'";
    const fs::path driver = temp_dir() / "driver.bash";
    write(driver, "source '" + script.string() + "'\n" + "COMP_WORDS=(" + words_text + ")\n" +
                      "COMP_CWORD=" + std::to_string(words.size() - 1) + "\n" +
                      "_pixxel\n"
                      "((${#COMPREPLY[@]} == 0)) || printf '%s\\n' \"${COMPREPLY[@]}\"\n");
    int exit_code = -1;
    const std::string out = run_bash(driver, exit_code);
    EXPECT_EQ(exit_code, 0) << out;
    return lines_of(out);
  }

  // A config file in the test's directory, and the environment that points at it: no key
  // and no server of its own unless `key` or `url` are given.
  std::vector<std::string> config_env(const std::string& config, const std::string& key = "",
                                      const std::string& url = "") {
    const fs::path path = temp_dir() / "config.toml";
    write(path, config);
    std::vector<std::string> env = {"PIXXEL_CONFIG=" + path.string()};
    if (!key.empty()) env.push_back("PIXXEL_API_KEY=" + key);
    if (!url.empty()) env.push_back("PIXXEL_BASE_URL=" + url);
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"}) {
      if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
    }
    return env;
  }

  static std::string profile(const std::string& name, const std::string& key,
                             const std::string& extra = "") {
    return "[profiles." + name + "]\nbase_url = \"" + server_->base_url() + "\"\napi_key = \"" +
           key + "\"\n" + extra;
  }

  static RunResult run_env(const std::vector<std::string>& args, std::vector<std::string> env) {
    RunOptions options;
    options.env = std::move(env);
    return run(args, options);
  }
};

bool contains(const std::vector<std::string>& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

constexpr const char* kWrongKey = "wrong-key-91d0";

// --- the installed program -------------------------------------------------------------------

TEST_F(CliPackagingTest, RunsTheInstalledProgramWithItsCompletionScripts) {
  const fs::path exe = PIXXEL_EXE;
  ASSERT_EQ(exe.parent_path().filename(), "bin") << exe;
  const fs::path share = exe.parent_path().parent_path() / "share";
  // Installed scripts are what the program prints: built from the same tree.
  EXPECT_EQ(read_file(share / "bash-completion/completions/pixxel"), completion("bash"));
  EXPECT_EQ(read_file(share / "zsh/site-functions/_pixxel"), completion("zsh"));
  EXPECT_EQ(read_file(share / "fish/vendor_completions.d/pixxel.fish"), completion("fish"));
}

// --- completion --------------------------------------------------------------------------------

TEST_F(CliPackagingTest, BashCompletionIsValidBash) {
  const fs::path script = temp_dir() / "completion.bash";
  write(script, completion("bash"));
  const fs::path check = temp_dir() / "check.bash";
  write(check, "bash -n '" + script.string() + "' && echo syntax-ok\n");
  int exit_code = -1;
  const std::string out = run_bash(check, exit_code);
  EXPECT_EQ(exit_code, 0) << out;
  EXPECT_EQ(out, "syntax-ok\n");
}

TEST_F(CliPackagingTest, BashCompletesSubcommandsAtEveryLevel) {
  EXPECT_EQ(bash_completes({"pixxel", "jo"}), std::vector<std::string>{"jobs"});
  const auto jobs = bash_completes({"pixxel", "jobs", ""});
  for (const char* command : {"create", "get", "list", "wait", "download", "--api-key"}) {
    EXPECT_TRUE(contains(jobs, command)) << command;
  }
  EXPECT_FALSE(contains(jobs, "estimate"));  // a workflows command
  EXPECT_EQ(bash_completes({"pixxel", "workflows", "es"}), std::vector<std::string>{"estimate"});
  EXPECT_EQ(bash_completes({"pixxel", "completion", "--he"}),
            (std::vector<std::string>{"--help", "--help-all"}));
}

TEST_F(CliPackagingTest, BashCompletesEachCommandsOwnOptionsAndTheGlobalOnes) {
  EXPECT_EQ(bash_completes({"pixxel", "jobs", "download", "wf", "job", "--ou"}),
            std::vector<std::string>{"--output"});
  const auto create = bash_completes({"pixxel", "--json", "jobs", "create", "--p"});
  EXPECT_TRUE(contains(create, "--project"));
  EXPECT_TRUE(contains(create, "--poll-interval"));
  EXPECT_TRUE(contains(create, "--profile"));  // global, after the command (fallthrough)
  EXPECT_FALSE(contains(bash_completes({"pixxel", "jobs", "get", "--"}), "--output"));
}

TEST_F(CliPackagingTest, BashCompletionSkipsOptionValues) {
  // `jobs` is --base-url's value here, not the command: the top level is still completing.
  EXPECT_EQ(bash_completes({"pixxel", "--base-url", "jobs", "wo"}),
            std::vector<std::string>{"workflows"});
  // After an option that takes a value, no command or option is offered.
  EXPECT_TRUE(bash_completes({"pixxel", "--profile", ""}).empty());
}

// The scripts come from the command tree: every option a command's --help lists completes.
TEST_F(CliPackagingTest, BashCompletionOffersEveryOptionTheHelpLists) {
  const std::vector<std::vector<std::string>> commands = {
      {"jobs", "create"}, {"jobs", "list"}, {"jobs", "download"}, {"workflows", "list"}};
  for (const auto& command : commands) {
    std::vector<std::string> args = command;
    args.push_back("--help");
    const RunResult help = run(args);
    ASSERT_TRUE(exited_with(help, kOk));
    std::vector<std::string> words = {"pixxel"};
    words.insert(words.end(), command.begin(), command.end());
    words.push_back("-");
    const auto offered = bash_completes(words);
    std::size_t checked = 0;
    for (const std::string& line : lines_of(help.out)) {
      // An option's line: "  -o,--output TEXT   File to write ..."
      std::istringstream in(line);
      std::string token;
      if (!(in >> token) || token.rfind("-", 0) != 0) continue;
      // "-o,--output" and "--timeout,--wait-timeout": each name; "--poll-interval=2" too.
      std::istringstream names(token.substr(0, token.find('=')));
      for (std::string name; std::getline(names, name, ',');) {
        if (name.rfind("-", 0) == 0) {
          EXPECT_TRUE(contains(offered, name)) << command[0] << " " << command[1] << ": " << name;
          ++checked;
        }
      }
    }
    EXPECT_GE(checked, 3u) << help.out;  // the help was read: -h, --help and its own
  }
}

TEST_F(CliPackagingTest, ZshCompletionDescribesTheCommandsAndOptions) {
  const std::string script = completion("zsh");
  EXPECT_EQ(script.rfind("#compdef pixxel\n", 0), 0u);
  EXPECT_NE(script.find("compdef _pixxel pixxel"), std::string::npos);
  EXPECT_NE(script.find("(\"pixxel/jobs/create\") cmd_path=\"pixxel/jobs/create\""),
            std::string::npos);
  EXPECT_NE(script.find("'create:Create a job from a workflow'"), std::string::npos);
  EXPECT_NE(script.find("'--output:File or folder to write to"), std::string::npos);
  // A description with a quote is quoted for the shell: "workflow's".
  EXPECT_NE(script.find("'list:List a workflow'\\''s jobs'"), std::string::npos);
  // zsh's $path is $PATH: the script must not assign it.
  EXPECT_EQ(script.find(" path="), std::string::npos);
}

TEST_F(CliPackagingTest, FishCompletionDeclaresEachLevel) {
  const std::string script = completion("fish");
  EXPECT_NE(script.find("complete -c pixxel -n 'test (__pixxel_path) = pixxel/jobs' -a create "
                        "-d 'Create a job from a workflow'"),
            std::string::npos);
  EXPECT_NE(script.find("complete -c pixxel -n 'test (__pixxel_path) = pixxel/jobs/download' "
                        "-l output -s o -r -F"),
            std::string::npos);
  // The global options hold at every level: declared once, without a condition.
  EXPECT_NE(script.find("complete -c pixxel -l profile -r -F"), std::string::npos);
  EXPECT_EQ(count_of(script, "-l api-key"), 1u);
}

TEST_F(CliPackagingTest, CompletionForAnUnknownShellIsAUsageError) {
  const RunResult result = run({"completion", "tcsh"});
  EXPECT_TRUE(exited_with(result, kUsage));
  EXPECT_NE(result.err.find("bash,zsh,fish"), std::string::npos) << result.err;
}

// --- --help-all: what the man page is made of
// -----------------------------------------------------

TEST_F(CliPackagingTest, HelpAllHoldsEveryCommandsOptions) {
  const RunResult result = run({"--help-all"});
  ASSERT_TRUE(exited_with(result, kOk));
  for (const char* part :
       {"pixxel jobs create:", "Usage: pixxel jobs download [OPTIONS]", "--output",
        "pixxel workflows estimate:", "pixxel completion:", "--profile"}) {
    EXPECT_NE(result.out.find(part), std::string::npos) << part;
  }
  // The footer (exit codes) once, not once per command.
  EXPECT_EQ(count_of(result.out, "Exit codes:"), 1u);
}

// --- profiles ------------------------------------------------------------------------------------

TEST_F(CliPackagingTest, ProfileGivesTheKeyAndTheServer) {
  const auto env = config_env(profile("mock", kApiKey) + profile("prod", kWrongKey));
  const RunResult result = run_env({"--profile", "mock", "projects", "list"}, env);
  EXPECT_TRUE(exited_with(result, kOk));
  EXPECT_NE(result.out.find("prj-agri"), std::string::npos);
  // The same command, one flag apart, goes as the other profile.
  EXPECT_TRUE(
      exited_with(run_env({"--profile", "prod", "projects", "list"}, env), kAuthentication));
}

TEST_F(CliPackagingTest, ProfileFromTheEnvironmentOrTheFilesDefault) {
  auto env = config_env(profile("mock", kApiKey));
  env.push_back("PIXXEL_PROFILE=mock");
  EXPECT_TRUE(exited_with(run_env({"projects", "list"}, env), kOk));

  const auto with_default = config_env("default_profile = \"mock\"\n" + profile("mock", kApiKey));
  EXPECT_TRUE(exited_with(run_env({"projects", "list"}, with_default), kOk));
}

TEST_F(CliPackagingTest, FlagsBeatTheProfile) {
  const auto env = config_env(profile("mock", kWrongKey));
  EXPECT_TRUE(exited_with(
      run_env({"--profile", "mock", "--api-key", kApiKey, "projects", "list"}, env), kOk));
  const auto right = config_env(profile("mock", kApiKey));
  EXPECT_TRUE(
      exited_with(run_env({"--profile", "mock", "--api-key", kWrongKey, "projects", "list"}, right),
                  kAuthentication));
}

// --profile is a flag: its profile beats PIXXEL_API_KEY exported in the shell.
TEST_F(CliPackagingTest, ProfileNamedByTheFlagBeatsTheEnvironment) {
  const auto env = config_env(profile("mock", kApiKey), kWrongKey, "http://127.0.0.1:9");
  EXPECT_TRUE(exited_with(run_env({"--profile", "mock", "projects", "list"}, env), kOk));
}

// A profile merely selected by PIXXEL_PROFILE ranks below PIXXEL_API_KEY and PIXXEL_BASE_URL.
TEST_F(CliPackagingTest, EnvironmentBeatsAProfileTheEnvironmentSelected) {
  auto env = config_env(profile("mock", kWrongKey), kApiKey);
  env.push_back("PIXXEL_PROFILE=mock");
  EXPECT_TRUE(exited_with(run_env({"projects", "list"}, env), kOk));

  auto wrong = config_env(profile("mock", kApiKey), kWrongKey);
  wrong.push_back("PIXXEL_PROFILE=mock");
  EXPECT_TRUE(exited_with(run_env({"projects", "list"}, wrong), kAuthentication));

  // The server too: the environment's (a closed port) wins over the profile's.
  auto url = config_env(profile("mock", kApiKey), "", "http://127.0.0.1:9");
  url.push_back("PIXXEL_PROFILE=mock");
  EXPECT_TRUE(exited_with(run_env({"--retries", "0", "projects", "list"}, url), kTransport));
}

TEST_F(CliPackagingTest, AnUnknownProfileNamesTheFileAndItsProfiles) {
  const std::string secret = "secret-key-should-not-show";
  const auto env = config_env(profile("mock", secret) + profile("prod", secret));
  const RunResult result = run_env({"--profile", "staging", "projects", "list"}, env);
  EXPECT_TRUE(exited_with(result, kConfiguration));
  EXPECT_NE(result.err.find("no profile \"staging\" in " + (temp_dir() / "config.toml").string()),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("it has: mock, prod"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(secret), std::string::npos);
  EXPECT_EQ(result.out, "");
}

TEST_F(CliPackagingTest, AProfileWithoutAConfigFileIsAConfigurationError) {
  RunOptions options;
  options.env = environment();
  const std::string missing = (temp_dir() / "nowhere.toml").string();
  options.env.push_back("PIXXEL_CONFIG=" + missing);
  const RunResult result = run({"--profile", "mock", "projects", "list"}, options);
  EXPECT_TRUE(exited_with(result, kConfiguration));
  EXPECT_NE(result.err.find(missing + " does not exist"), std::string::npos) << result.err;
  // No profile asked for, no file: nothing to complain about.
  EXPECT_TRUE(exited_with(run({"projects", "list"}, options), kOk));
}

TEST_F(CliPackagingTest, BadProfileValuesAreConfigurationErrorsThatNeverShowTheKey) {
  const std::string secret = "secret-key-should-not-show";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"timeout = \"soon\"\n", "timeout of profile \"mock\""},
      {"retries = 1000\n", "retries of profile \"mock\""},
      {"colour = \"blue\"\n", "unknown setting \"colour\""},
  };
  for (const auto& [extra, expected] : cases) {
    const auto env = config_env(profile("mock", secret, extra));
    const RunResult result = run_env({"--profile", "mock", "projects", "list"}, env);
    EXPECT_TRUE(exited_with(result, kConfiguration)) << extra;
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find(secret), std::string::npos) << result.err;
  }
  // A key with a control character fails the option's check: the message still hides it.
  const auto env = config_env("[profiles.mock]\napi_key = \"" + secret + "\\n\"\n");
  const RunResult bad_key = run_env({"--profile", "mock", "projects", "list"}, env);
  EXPECT_TRUE(exited_with(bad_key, kConfiguration));
  EXPECT_EQ(bad_key.err.find(secret), std::string::npos) << bad_key.err;
  // An unclosed string: the line, not its text.
  const auto unclosed = config_env("[profiles.mock]\napi_key = \"" + secret + "\n");
  const RunResult broken = run_env({"--profile", "mock", "projects", "list"}, unclosed);
  EXPECT_TRUE(exited_with(broken, kConfiguration));
  EXPECT_NE(broken.err.find("config.toml:2: a string is not closed"), std::string::npos)
      << broken.err;
  EXPECT_EQ(broken.err.find(secret), std::string::npos) << broken.err;
}

TEST_F(CliPackagingTest, AQuotedKeyIsReadAsWrittenHashIncluded) {
  // CLI11's own config reader cuts a value at '#': it would send kApiKey, which the mock
  // accepts. Read as written, the key is another one, and refused.
  const std::string key = std::string(kApiKey) + "#tail";
  const auto env = config_env(profile("odd", key));
  const RunResult result = run_env({"--profile", "odd", "projects", "list"}, env);
  EXPECT_TRUE(exited_with(result, kAuthentication));
  EXPECT_EQ(result.err.find(key), std::string::npos);
  // A comment after the closing quote is a comment.
  const auto commented = config_env("[profiles.ok]\nbase_url = \"" + server_->base_url() +
                                    "\"  # the mock\napi_key = \"" + kApiKey + "\" # ok\n");
  EXPECT_TRUE(exited_with(run_env({"--profile", "ok", "projects", "list"}, commented), kOk));
}

TEST_F(CliPackagingTest, ProfilesListsNamesAndSettingsButNeverKeys) {
  const std::string secret = "secret-key-should-not-show";
  const auto env =
      config_env("default_profile = \"mock\"\n" +
                 profile("mock", secret, "timeout = 5\nretries = 0\n") + "[profiles.prod]\n");
  const RunResult result = run_env({"profiles"}, env);
  ASSERT_TRUE(exited_with(result, kOk));
  EXPECT_NE(result.out.find("  mock (default)\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("    base_url = " + server_->base_url()), std::string::npos);
  EXPECT_NE(result.out.find("    api_key  = (set)\n"), std::string::npos);
  EXPECT_NE(result.out.find("    timeout  = 5\n"), std::string::npos);
  EXPECT_NE(result.out.find("  prod\n"), std::string::npos);
  EXPECT_EQ(result.out.find(secret), std::string::npos);
}

// --- printed commands and errors keep the profile's identity (issue 19, point 9) -------------

// The words of the command printed after `marker` on a line of `err`.
std::vector<std::string> printed_after(const std::string& err, const std::string& marker) {
  const auto at = err.find(marker);
  if (at == std::string::npos) return {};
  const auto start = at + marker.size();
  std::istringstream line(err.substr(start, err.find('\n', start) - start));
  std::vector<std::string> words;
  for (std::string word; line >> word;) words.push_back(word);
  return words;
}

TEST_F(CliPackagingTest, APrintedCommandNamesTheProfileAndNotItsUrl) {
  // The default profile holds another key for another server: a command that printed the
  // chosen profile's URL without the profile would send that key to this server.
  const auto env = config_env(
      "default_profile = \"other\"\n[profiles.other]\n"
      "base_url = \"http://127.0.0.1:9\"\napi_key = \"" +
      std::string(kWrongKey) + "\"\n" + profile("mock", kApiKey));
  server_->set_job_duration(std::chrono::hours(1));
  const std::string job = create_job("wf-identity");
  const RunResult waited = run_env({"--profile", "mock", "jobs", "wait", "wf-identity", job,
                                    "--wait-timeout", "0.3", kFastPolls},
                                   env);
  ASSERT_TRUE(exited_with(waited, kTimeout));
  std::vector<std::string> resume = printed_after(waited.err, "to wait for it again: ");
  ASSERT_EQ(resume, (std::vector<std::string>{"pixxel", "--profile", "mock", "jobs", "wait",
                                              "wf-identity", job}))
      << waited.err;
  // Run as printed, it reaches the same server with the same key: the wait times out again.
  resume.erase(resume.begin());
  resume.insert(resume.end(), {"--wait-timeout", "0.3", kFastPolls});
  EXPECT_TRUE(exited_with(run_env(resume, env), kTimeout));

  // A --base-url given on the command line is printed, with the profile that gave the key.
  const RunResult flagged =
      run_env({"--profile", "mock", "--base-url", server_->base_url(), "jobs", "wait",
               "wf-identity", job, "--wait-timeout", "0.3", kFastPolls},
              env);
  ASSERT_TRUE(exited_with(flagged, kTimeout));
  EXPECT_EQ(printed_after(flagged.err, "to wait for it again: "),
            (std::vector<std::string>{"pixxel", "--profile", "mock", "--base-url",
                                      server_->base_url(), "jobs", "wait", "wf-identity", job}))
      << flagged.err;

  // A key given as a flag is never printed, and no other key may stand in for it.
  const RunResult keyed = run_env({"--api-key", kApiKey, "--base-url", server_->base_url(), "jobs",
                                   "wait", "wf-identity", job, "--wait-timeout", "0.3", kFastPolls},
                                  env);
  ASSERT_TRUE(exited_with(keyed, kTimeout));
  EXPECT_EQ(keyed.err.find(kApiKey), std::string::npos) << keyed.err;
  EXPECT_EQ(printed_after(keyed.err, "to wait for it again: "),
            (std::vector<std::string>{"pixxel", "--api-key", "KEY", "--base-url",
                                      server_->base_url(), "jobs", "wait", "wf-identity", job}))
      << keyed.err;
}

TEST_F(CliPackagingTest, ARejectedKeyFromAProfileNamesTheProfileAndItsFile) {
  const auto env = config_env(profile("prod", kWrongKey));
  const std::string where = "profile \"prod\" in " + (temp_dir() / "config.toml").string();
  const RunResult result = run_env({"--profile", "prod", "projects", "list"}, env);
  ASSERT_TRUE(exited_with(result, kAuthentication));
  EXPECT_NE(result.err.find("check the api_key of " + where), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("--api-key"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(kWrongKey), std::string::npos) << result.err;

  // Selected by the environment, the same.
  auto selected = env;
  selected.push_back("PIXXEL_PROFILE=prod");
  const RunResult json = run_env({"--json", "projects", "list"}, selected);
  ASSERT_TRUE(exited_with(json, kAuthentication));
  const auto error = nlohmann::json::parse(lines_of(json.err).back()).at("error");
  EXPECT_NE(error.at("message").get<std::string>().find("check the api_key of " + where),
            std::string::npos)
      << json.err;
}

TEST_F(CliPackagingTest, AConfigFileWithAKeyOthersCanReadGetsAChmodWarning) {
  auto env = config_env(profile("mock", kApiKey));
  const fs::path path = temp_dir() / "config.toml";
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  const RunResult open = run_env({"--profile", "mock", "projects", "list"}, env);
  ASSERT_TRUE(exited_with(open, kOk));
  EXPECT_NE(open.err.find("warning: " + path.string() +
                          " holds an API key that others can read "
                          "(mode 0644); make it yours alone: chmod 600 " +
                          path.string()),
            std::string::npos)
      << open.err;
  EXPECT_EQ(open.err.find(kApiKey), std::string::npos) << open.err;
  EXPECT_NE(run_env({"profiles"}, env).err.find("chmod 600"), std::string::npos);

  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  const RunResult closed = run_env({"--profile", "mock", "projects", "list"}, env);
  ASSERT_TRUE(exited_with(closed, kOk));
  EXPECT_EQ(closed.err.find("warning"), std::string::npos) << closed.err;

  // Without a key there is nothing to hide.
  env = config_env("[profiles.mock]\nbase_url = \"" + server_->base_url() + "\"\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  const RunResult keyless = run_env({"--profile", "mock", "ping"}, env);
  ASSERT_TRUE(exited_with(keyless, kOk));
  EXPECT_EQ(keyless.err.find("warning"), std::string::npos) << keyless.err;
}

}  // namespace
