// pixxel_chaos: the randomized exactly-once campaign (tests/chaos/campaign.hpp) as a program.
//   pixxel_chaos CALLS [SEED] [--budget SECONDS] [--timeout MS] [--proxy-share FRACTION]
// Prints what it injected, what the client said, duplicates and violations; exits 1 on any
// violation, 2 on bad usage, 3 when the campaign could not run (no Node.js, ...).

#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <random>
#include <string>

#include "chaos/campaign.hpp"

namespace {

int usage() {
  std::cerr << "usage: pixxel_chaos CALLS [SEED] [--budget SECONDS] [--timeout MS] "
               "[--proxy-share FRACTION]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  pixxel::chaos::CampaignOptions options;
  options.seed = std::random_device{}();
  options.progress = &std::cerr;
  int positional = 0;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      const bool has_value = i + 1 < argc;
      if (arg == "--budget" && has_value) {
        options.time_budget = std::chrono::milliseconds(
            static_cast<long long>(std::stod(argv[++i]) * 1000));
      } else if (arg == "--timeout" && has_value) {
        options.attempt_timeout = options.connect_timeout =
            std::chrono::milliseconds(std::stoll(argv[++i]));
      } else if (arg == "--proxy-share" && has_value) {
        options.proxy_share = std::stod(argv[++i]);
      } else if (!arg.empty() && arg[0] != '-' && positional == 0) {
        options.calls = std::stoull(arg);
        ++positional;
      } else if (!arg.empty() && arg[0] != '-' && positional == 1) {
        options.seed = std::stoull(arg);
        ++positional;
      } else {
        return usage();
      }
    }
  } catch (const std::exception&) {
    return usage();
  }
  if (positional == 0) return usage();
  std::cerr << "chaos: " << options.calls << " calls, seed " << options.seed << std::endl;
  pixxel::chaos::CampaignReport report;
  try {
    report = pixxel::chaos::run_campaign(options);
  } catch (const std::exception& e) {
    std::cerr << "pixxel_chaos: cannot run the campaign: " << e.what() << "\n";
    return 3;
  }
  report.print(std::cout);
  return report.violations.empty() && report.duplicates == 0 ? 0 : 1;
}
