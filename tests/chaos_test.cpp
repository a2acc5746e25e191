// A bounded slice of the randomized exactly-once campaign (tests/chaos/campaign.hpp;
// scripts/chaos runs the long one). Bounded by a number of calls and by time, so that it stays
// short under the sanitizers too. PIXXEL_CHAOS_SEED picks another seed.

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "chaos/campaign.hpp"

namespace pixxel {
namespace {

TEST(ChaosTest, EveryCreateJobIsProcessedAsOftenAsItsOutcomeSays) {
  chaos::CampaignOptions options;
  options.seed = 19;
  if (const char* seed = std::getenv("PIXXEL_CHAOS_SEED")) options.seed = std::stoull(seed);
  options.calls = 4000;
  options.time_budget = std::chrono::seconds(50);
  const chaos::CampaignReport report = chaos::run_campaign(options);
  std::ostringstream text;
  report.print(text);
  std::cout << text.str();
  // Enough calls to mean something even on a loaded machine, and every kind of fault.
  EXPECT_GE(report.calls - report.unjudged, 100u) << text.str();
  EXPECT_EQ(report.duplicates, 0u) << text.str();
  EXPECT_TRUE(report.violations.empty()) << text.str();
}

}  // namespace
}  // namespace pixxel
