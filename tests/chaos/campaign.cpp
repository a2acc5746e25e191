#include "chaos/campaign.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "pixxel/pixxel.hpp"
#include "support/fault_proxy.hpp"
#include "support/node_tls_server.hpp"
#include "support/test_server.hpp"

namespace pixxel::chaos {

namespace {

using Clock = std::chrono::steady_clock;
using testing::Direction;
using testing::Fault;
using testing::FaultKind;
using testing::FaultProxy;
using testing::NodeTlsServer;

// outcome_unknown() is being added to pixxel::Error; the check turns itself on once it exists.
template <class E, class = void>
struct HasOutcomeUnknown : std::false_type {};
template <class E>
struct HasOutcomeUnknown<E, std::void_t<decltype(std::declval<const E&>().outcome_unknown())>>
    : std::true_type {};

template <class E>
std::optional<bool> outcome_unknown_of(const E& error) {
  if constexpr (HasOutcomeUnknown<E>::value) {
    return static_cast<bool>(error.outcome_unknown());
  } else {
    (void)error;
    return std::nullopt;
  }
}

enum class Path { blocking, async };
enum class Http { h2, http1 };
enum class Route { direct, proxy };
enum class Policy { standard, non_idempotent };

const char* name(Path p) { return p == Path::blocking ? "blocking" : "async"; }
const char* name(Http h) { return h == Http::h2 ? "h2" : "http/1.1"; }
const char* name(Route r) { return r == Route::direct ? "direct" : "https_proxy"; }
const char* name(Policy p) { return p == Policy::standard ? "default" : "retry_non_idempotent"; }

// Weights of the server's behaviours (chaos_server.js says what each does). "ok" keeps enough
// calls healthy that connections live long enough to be pooled, refused and reused.
const std::vector<std::pair<const char*, int>> kBehaviours = {
    {"ok", 28},        {"goaway0", 3},   {"goaway1", 3},     {"goaway2", 3},
    {"refuse", 9},     {"refuseclose", 5}, {"resetafter", 9}, {"closeafter", 5},
    {"s503", 6},       {"s429", 5},      {"s500", 4},        {"see503", 4},
    {"see429", 4},     {"see500", 3},    {"seerefused", 3},  {"seeok", 3},
};

struct Call {
  std::size_t n = 0;
  Path path = Path::blocking;
  Http http = Http::h2;
  Route route = Route::direct;
  Policy policy = Policy::standard;
  std::string behaviour;
  int times = 1;
  std::string workflow, project;
  std::string proxy_faults;  // those fired while the call (or its batch) ran
  // What the client said.
  bool job = false;
  bool not_sent = false;  // request_sent() == false
  std::optional<bool> unknown;
  std::string outcome;  // a short key: "Job", "TransportError sent", "ApiError 503"
  std::string said;     // the key and the message
};

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(engine_);
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }
  const char* behaviour() {
    int total = 0;
    for (const auto& b : kBehaviours) total += b.second;
    int pick = static_cast<int>(below(static_cast<std::size_t>(total)));
    for (const auto& b : kBehaviours) {
      if ((pick -= b.second) < 0) return b.first;
    }
    return "ok";
  }
  // Mostly within a handshake and the first exchanges, sometimes deep in a kept connection.
  std::size_t offset() {
    const std::size_t kind = below(100);
    if (kind < 50) return below(3000);
    if (kind < 85) return below(12000);
    return below(60000);
  }
  Fault fault(bool connect_proxy) {
    Fault f;
    std::size_t pick = below(100);
    if (connect_proxy) {
      if (pick < 12) {
        f.kind = FaultKind::connect_refused;
        return f;
      }
      pick = below(100);
    }
    if (pick < 70) return f;
    f.kind = pick < 83 ? FaultKind::cut : pick < 97 ? FaultKind::reset : FaultKind::stall;
    f.direction = chance(0.5) ? Direction::to_server : Direction::to_client;
    f.offset = offset();
    return f;
  }

 private:
  std::mt19937_64 engine_;
};

// Sets or unsets environment variables, and puts them back as they were.
class Environment {
 public:
  void set(const char* name, const char* value) {
    if (saved_.count(name) == 0) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~Environment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

const char* const kProxyVariables[] = {"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
                                       "all_proxy",   "ALL_PROXY",   "no_proxy",   "NO_PROXY"};

std::string shorten(std::string text) {
  constexpr std::size_t kMax = 220;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

void describe(Call& call, const Error& e, const std::string& key, bool not_sent) {
  call.outcome = key;
  call.not_sent = not_sent;
  call.unknown = outcome_unknown_of(e);
  call.said = key;
  if (call.unknown) call.said += *call.unknown ? " outcome_unknown=true" : " outcome_unknown=false";
  call.said += ": " + shorten(e.what());
}

void take(Call& call, const std::function<Job()>& run) {
  try {
    const Job job = run();
    call.job = true;
    call.outcome = "Job";
    call.said = "Job " + job.id;
  } catch (const CancelledError& e) {
    describe(call, e, e.request_sent() ? "CancelledError sent" : "CancelledError not sent",
             !e.request_sent());
  } catch (const TimeoutError& e) {
    describe(call, e, e.request_sent() ? "TimeoutError sent" : "TimeoutError not sent",
             !e.request_sent());
  } catch (const TransportError& e) {
    describe(call, e, e.request_sent() ? "TransportError sent" : "TransportError not sent",
             !e.request_sent());
  } catch (const ApiError& e) {
    describe(call, e, "ApiError " + std::to_string(e.status_code()), false);
  } catch (const DecodeError& e) {
    describe(call, e, "DecodeError", false);
  } catch (const Error& e) {
    describe(call, e, "Error", false);
  } catch (const std::exception& e) {
    call.outcome = "std::exception";
    call.said = std::string("std::exception: ") + shorten(e.what());
  }
}

std::string diff(const std::map<std::string, std::size_t>& before,
                 const std::map<std::string, std::size_t>& after) {
  std::string out;
  for (const auto& [key, count] : after) {
    const auto it = before.find(key);
    const std::size_t delta = count - (it == before.end() ? 0 : it->second);
    if (delta == 0) continue;
    if (!out.empty()) out += ", ";
    out += key + (delta > 1 ? " x" + std::to_string(delta) : "");
  }
  return out.empty() ? "none" : out;
}

class Campaign {
 public:
  explicit Campaign(const CampaignOptions& options)
      : options_(options),
        plans_(options.seed),
        faults_(options.seed ^ 0x9e3779b97f4a7c15ULL),
        refused_port_(testing::refused_port()) {
    report_.seed = options.seed;
    report_.outcome_unknown_checked = HasOutcomeUnknown<Error>::value;
    // The campaign's own proxy settings only: a developer's https_proxy must not reroute it.
    for (const char* variable : kProxyVariables) environment_.set(variable, nullptr);
  }

  CampaignReport run() {
    const auto start = Clock::now();
    const auto proxy_calls = static_cast<std::size_t>(
        static_cast<double>(options_.calls) * std::clamp(options_.proxy_share, 0.0, 1.0));
    const std::size_t direct_calls = options_.calls - proxy_calls;
    const auto budget = options_.time_budget;
    const auto direct_deadline =
        budget.count() > 0
            ? start + std::chrono::duration_cast<Clock::duration>(
                          budget * (1.0 - std::clamp(options_.proxy_share, 0.0, 1.0)))
            : Clock::time_point::max();
    const auto deadline = budget.count() > 0 ? start + budget : Clock::time_point::max();
    run_chunks(Route::direct, direct_calls, direct_deadline);
    run_chunks(Route::proxy, proxy_calls, deadline);
    report_.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return std::move(report_);
  }

 private:
  static NodeTlsServer::Options server_options(int refused_port) {
    NodeTlsServer::Options o;
    o.script = NodeTlsServer::script_dir() + "/chaos_server.js";
    o.script_args = {"--refused-port", std::to_string(refused_port)};
    return o;
  }

  ClientOptions client_options(const std::string& base_url, Http http, Policy policy) const {
    ClientOptions o;
    o.api_key = "sk-chaos-campaign-key";
    o.base_url = base_url;
    o.ca_bundle = NodeTlsServer::ca_file();
    o.http_version = http == Http::h2 ? HttpVersion::automatic : HttpVersion::http1_1;
    o.connect_timeout = options_.connect_timeout;
    o.timeout = options_.attempt_timeout;
    o.retry.max_retries = 2;  // the default, with short waits so that the campaign runs fast
    o.retry.initial_backoff = std::chrono::milliseconds(2);
    o.retry.max_backoff = std::chrono::milliseconds(20);
    o.retry.max_retry_after = std::chrono::milliseconds(100);
    o.retry.retry_non_idempotent = policy == Policy::non_idempotent;
    return o;
  }

  // Each chunk has a server of its own, so that a server that dies (Node 20 has aborted on a
  // corrupted heap once in ~15,000 calls) costs the judgement of one chunk, which is reported.
  void run_chunks(Route route, std::size_t count, Clock::time_point deadline) {
    constexpr std::size_t kChunk = 1000;
    for (std::size_t done = 0; done < count && Clock::now() < deadline; done += kChunk) {
      server_ = std::make_unique<NodeTlsServer>(server_options(refused_port_));
      run_phase(route, std::min(kChunk, count - done), deadline);
      server_.reset();
    }
  }

  void run_phase(Route route, std::size_t count, Clock::time_point deadline) {
    if (count == 0) return;
    NodeTlsServer& server = *server_;
    const bool via_proxy = route == Route::proxy;
    // The proxy draws from its own generator, so that the calls' plans do not depend on how
    // many connections libcurl happened to open.
    FaultProxy::Options proxy_options;
    proxy_options.upstream_port = server.port();
    proxy_options.connect_proxy = via_proxy;
    proxy_options.max_hold = std::chrono::milliseconds(5000);
    proxy_options.plan = [this, via_proxy](std::size_t) {
      std::lock_guard<std::mutex> lock(faults_mutex_);
      return faults_.fault(via_proxy);
    };
    FaultProxy proxy(proxy_options);
    std::optional<Environment> proxy_environment;
    std::string base_url = "https://127.0.0.1:" + std::to_string(proxy.port());
    if (via_proxy) {
      // libcurl reads https_proxy at each transfer. It is set before this phase's clients
      // exist and restored after they are gone, so no thread reads it while it changes.
      proxy_environment.emplace();
      const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
      proxy_environment->set("https_proxy", proxy_url.c_str());
      base_url = "https://127.0.0.1:" + std::to_string(server.port());
    }
    std::vector<Call> calls;
    {
      std::map<std::pair<Http, Policy>, std::unique_ptr<PixxelClient>> clients;
      for (Http http : {Http::h2, Http::http1}) {
        for (Policy policy : {Policy::standard, Policy::non_idempotent}) {
          clients[{http, policy}] =
              std::make_unique<PixxelClient>(client_options(base_url, http, policy));
        }
      }
      std::size_t made = 0;
      while (made < count && Clock::now() < deadline) {
        const Path path = plans_.chance(0.5) ? Path::blocking : Path::async;
        const Http http = plans_.chance(0.5) ? Http::h2 : Http::http1;
        const Policy policy = plans_.chance(0.15) ? Policy::non_idempotent : Policy::standard;
        const std::size_t batch =
            path == Path::blocking ? 1 : std::min(count - made, 1 + plans_.below(6));
        std::vector<Call> group;
        for (std::size_t i = 0; i < batch; ++i) group.push_back(plan(route, path, http, policy));
        PixxelClient& client = *clients[{http, policy}];
        const auto before = proxy.fired();
        if (path == Path::blocking) {
          Call& call = group.front();
          take(call, [&] { return client.create_job(call.workflow, call.project); });
        } else {
          std::vector<std::future<Job>> futures;
          for (Call& call : group) {
            try {
              futures.push_back(client.create_job_async(call.workflow, call.project));
            } catch (...) {
              // A call that throws instead of returning a future is judged like the others.
              std::promise<Job> failed;
              failed.set_exception(std::current_exception());
              futures.push_back(failed.get_future());
            }
          }
          for (std::size_t i = 0; i < group.size(); ++i) {
            take(group[i], [&] { return futures[i].get(); });
          }
        }
        const std::string fired = diff(before, proxy.fired());
        for (Call& call : group) {
          call.proxy_faults = fired;
          calls.push_back(std::move(call));
        }
        made += batch;
        report_.calls += batch;
        if (options_.progress && options_.progress_every > 0 &&
            report_.calls / options_.progress_every !=
                (report_.calls - batch) / options_.progress_every) {
          *options_.progress << "chaos: " << report_.calls << " calls made" << std::endl;
        }
      }
    }
    // Every client is gone and, once the proxy stops, every connection to the server: a
    // request that was on its way has arrived and been counted when the server answers.
    proxy.stop();
    for (const auto& [key, n] : proxy.fired()) report_.faults["proxy " + key] += n;
    report_.faults["proxy connections"] += proxy.connections();
    proxy_environment.reset();
    const auto asked = Clock::now();
    nlohmann::json answer;
    try {
      answer = nlohmann::json::parse(server.ask("counts", std::chrono::seconds(30)));
      add_server_faults(server);
    } catch (const std::exception& e) {
      ++report_.server_deaths;
      report_.unjudged += calls.size();
      if (options_.progress) {
        *options_.progress << "chaos: the server died (" << e.what() << "); " << calls.size()
                           << " calls not judged" << std::endl;
      }
      return;
    }
    if (options_.progress) {
      *options_.progress << "chaos: " << name(route) << " phase: " << calls.size()
                         << " calls; the server's count took "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                                  asked)
                                .count()
                         << " ms (" << answer.at("open") << " connections left open)"
                         << std::endl;
    }
    const auto& counts = answer.at("counts");
    for (const Call& call : calls) {
      const auto it = counts.find(call.workflow);
      judge(call, it == counts.end() ? 0L : it->get<long>());
    }
  }

  Call plan(Route route, Path path, Http http, Policy policy) {
    Call call;
    call.n = next_call_++;
    call.route = route;
    call.path = path;
    call.http = http;
    call.policy = policy;
    call.behaviour = plans_.behaviour();
    static constexpr int kTimes[] = {1, 1, 1, 2, 3};
    call.times = kTimes[plans_.below(5)];
    call.workflow = "wf-chaos-" + std::to_string(call.n);
    call.project =
        "pc-" + std::to_string(call.n) + "-" + call.behaviour + "-" + std::to_string(call.times);
    ++report_.slices[std::string(name(path)) + " " + name(http) + " " + name(route) + " " +
                     name(policy)];
    return call;
  }

  void judge(const Call& call, long processed) {
    ++report_.outcomes[call.outcome];
    std::string broken;
    if (call.policy == Policy::non_idempotent) {
      if (processed >= 2) ++report_.allowed_duplicates;
      if (call.job && processed < 1) broken = "a returned Job means at least one processed";
    } else {
      if (processed >= 2) ++report_.duplicates;
      if (call.job && processed != 1) {
        broken = "a returned Job means exactly one processed";
      } else if (!call.job && call.not_sent && processed != 0) {
        broken = "request_sent() == false means none processed";
      } else if (!call.job && call.unknown == false && processed != 0) {
        broken = "outcome_unknown() == false means none processed";
      } else if (processed > 1) {
        broken = "an error means at most one processed";
      }
      if (!call.job && !call.not_sent && call.unknown != false && processed == 0) {
        const bool refused_connect = call.proxy_faults.find("connect_refused") != std::string::npos;
        ++report_.needless_doubt[call.outcome + (refused_connect ? ", a CONNECT refused meanwhile" : "")];
      }
    }
    if (broken.empty()) return;
    Violation v;
    v.seed = options_.seed;
    v.call = call.n;
    v.path = name(call.path);
    v.http = name(call.http);
    v.route = name(call.route);
    v.policy = name(call.policy);
    v.fault = "server " + call.behaviour + " x" + std::to_string(call.times) +
              "; proxy faults fired meanwhile: " + call.proxy_faults;
    v.client = call.said;
    v.processed = processed;
    v.rule = broken;
    report_.violations.push_back(std::move(v));
  }

  void add_server_faults(NodeTlsServer& server) {
    const auto stats = nlohmann::json::parse(server.ask("stats"));
    for (const auto& [key, n] : stats.at("applied").items()) {
      report_.faults["server " + key] += n.get<std::size_t>();
    }
    report_.faults["server refused streams"] += stats.at("refused").get<std::size_t>();
    report_.faults["server goaways"] += stats.at("goaways").get<std::size_t>();
  }

  CampaignOptions options_;
  Random plans_;
  std::mutex faults_mutex_;
  Random faults_;  // guarded by faults_mutex_
  Environment environment_;
  int refused_port_;
  std::unique_ptr<NodeTlsServer> server_;  // a new one per chunk of calls
  std::size_t next_call_ = 0;
  CampaignReport report_;
};

void print_counts(std::ostream& out, const std::map<std::string, std::size_t>& counts) {
  if (counts.empty()) out << "  (none)\n";
  for (const auto& [key, n] : counts) out << "  " << key << ": " << n << "\n";
}

}  // namespace

std::string to_string(const Violation& v) {
  std::ostringstream out;
  out << "seed " << v.seed << " call " << v.call << " (wf-chaos-" << v.call << "): " << v.path
      << " " << v.http << " " << v.route << " " << v.policy << "; fault: " << v.fault
      << "; client said: " << v.client << "; server processed " << v.processed
      << "; broken: " << v.rule;
  return out.str();
}

void CampaignReport::print(std::ostream& out) const {
  out << "seed: " << seed << "\n";
  out << "calls: " << calls << " in " << static_cast<double>(elapsed.count()) / 1000.0 << " s\n";
  out << "calls by slice:\n";
  print_counts(out, slices);
  out << "faults injected:\n";
  print_counts(out, faults);
  out << "outcomes:\n";
  print_counts(out, outcomes);
  out << "outcome_unknown() checked: " << (outcome_unknown_checked ? "yes" : "no (not in the SDK yet)")
      << "\n";
  out << "said the job may exist though none was processed (not violations):\n";
  print_counts(out, needless_doubt);
  out << "duplicates found: " << duplicates << "\n";
  out << "duplicates under retry_non_idempotent (allowed): " << allowed_duplicates << "\n";
  out << "calls not judged (the server died): " << unjudged << " (" << server_deaths
      << " deaths)\n";
  out << "violations: " << violations.size() << "\n";
  for (const Violation& v : violations) out << "  " << to_string(v) << "\n";
}

CampaignReport run_campaign(const CampaignOptions& options) {
  Campaign campaign(options);
  return campaign.run();
}

}  // namespace pixxel::chaos
