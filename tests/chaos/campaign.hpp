#ifndef PIXXEL_TESTS_CHAOS_CAMPAIGN_HPP_
#define PIXXEL_TESTS_CHAOS_CAMPAIGN_HPP_

// The randomized exactly-once campaign (issue 19): many create_job calls, blocking and
// asynchronous, over HTTP/2 and HTTP/1.1, directly and through an https proxy, each on its own
// workflow id, while a TCP proxy (support/fault_proxy.hpp) breaks connections and the server
// (support/chaos_server.js) refuses, resets, redirects and fails. The server counts the POSTs
// it processed per workflow; each call's outcome is then judged against that count:
//
//   default RetryPolicy:
//     a returned Job                         exactly one processed
//     request_sent() == false                none processed
//     outcome_unknown() == false             none processed (once pixxel::Error has it)
//     any other error                        at most one processed
//   retry_non_idempotent:
//     a returned Job                         at least one processed (duplicates are counted,
//                                            not failures: the caller accepted them)
//
// Used by the pixxel_chaos program (tests/chaos/chaos.cpp) and by chaos_test.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace pixxel::chaos {

struct CampaignOptions {
  std::uint64_t seed = 1;
  std::size_t calls = 1000;
  // 0: none; else no call starts after it (the calls then made are reported).
  std::chrono::milliseconds time_budget{0};
  // Per attempt: what a stalled connection costs a call.
  std::chrono::milliseconds attempt_timeout{1500};
  std::chrono::milliseconds connect_timeout{1500};
  double proxy_share = 0.2;  // of the calls (and of the time budget), made through https_proxy
  std::ostream* progress = nullptr;  // a line every `progress_every` calls
  std::size_t progress_every = 1000;
};

struct Violation {
  std::uint64_t seed = 0;
  std::size_t call = 0;
  std::string path;       // blocking or async
  std::string http;       // h2 or http/1.1 (asked for)
  std::string route;      // direct or https_proxy
  std::string policy;     // default or retry_non_idempotent
  std::string fault;      // the server's behaviour and the proxy faults fired meanwhile
  std::string client;     // what the client said
  long processed = 0;     // what the server processed
  std::string rule;       // the invariant broken
};

struct CampaignReport {
  std::uint64_t seed = 0;
  std::size_t calls = 0;
  std::map<std::string, std::size_t> slices;    // "blocking h2 direct default" -> calls
  std::map<std::string, std::size_t> faults;    // "proxy reset to_client", "server refuse" -> n
  std::map<std::string, std::size_t> outcomes;  // "Job", "TransportError sent", "ApiError 503"
  // Default policy: calls whose create was processed twice or more (each also a violation).
  std::size_t duplicates = 0;
  // retry_non_idempotent: the same, allowed.
  std::size_t allowed_duplicates = 0;
  // Errors that said the job may exist (request_sent(), outcome_unknown()) when the server
  // processed none: not a violation, but the caller is sent looking for nothing.
  std::map<std::string, std::size_t> needless_doubt;
  bool outcome_unknown_checked = false;
  // Calls whose server died before it could say what it processed (each chunk of calls has a
  // server of its own); they are counted in `calls` but judged by nothing.
  std::size_t unjudged = 0;
  std::size_t server_deaths = 0;  // whether pixxel::Error::outcome_unknown() exists
  std::vector<Violation> violations;
  std::chrono::milliseconds elapsed{0};

  void print(std::ostream& out) const;
};

// Starts the servers (Node.js must be installed: throws std::runtime_error otherwise), runs
// the calls, stops everything, and judges. Sets https_proxy for the process while the proxy
// share runs (no other client may run meanwhile) and restores the environment after.
CampaignReport run_campaign(const CampaignOptions& options);

std::string to_string(const Violation& violation);

}  // namespace pixxel::chaos

#endif  // PIXXEL_TESTS_CHAOS_CAMPAIGN_HPP_
