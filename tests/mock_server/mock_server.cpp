#include "mock_server.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <mutex>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "http_date.hpp"
#include "text.hpp"
#include "url.hpp"

namespace pixxel::mock {
namespace {

using json = nlohmann::ordered_json;
using SteadyClock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;
using std::chrono::microseconds;

constexpr std::size_t kTaskCount = 3;
constexpr std::array<const char*, kTaskCount> kTaskNames = {"ingest", "process", "export"};
constexpr std::string_view kFailingWorkflow = "wf-fail";
constexpr std::int64_t kCostPerTask = 10;
constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

std::string dump(const json& value, int indent = -1) {
  // Ids come from the request path and may hold any bytes: never throw on invalid UTF-8.
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::string hex16(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

// A bijection on 64-bit values, so distinct counters give distinct ids.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double unit_interval(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]) << 16 |
                                              static_cast<unsigned char>(data[i + 1]) << 8 |
                                              static_cast<unsigned char>(data[i + 2]));
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  if (i < data.size()) {
    const bool two = i + 1 < data.size();
    const auto n =
        static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]) << 16 |
                                   (two ? static_cast<unsigned char>(data[i + 1]) << 8 : 0));
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += two ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

json byte_array(std::string_view data) {
  json bytes = json::array();
  for (const char c : data) bytes.push_back(static_cast<unsigned char>(c));
  return bytes;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::tm utc_calendar(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

// The form other parts of the Pixxel API show: `2022-11-14 12:55:49.125928+00:00`.
std::string format_timestamp(SystemClock::time_point t) {
  const auto us = std::chrono::duration_cast<microseconds>(t.time_since_epoch()).count();
  const std::tm tm = utc_calendar(static_cast<std::time_t>(floor_div(us, kMicrosPerSecond)));
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00:00",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(us - floor_div(us, kMicrosPerSecond) * kMicrosPerSecond));
  return buffer;
}

std::string with_fraction(std::int64_t value, std::int64_t unit, int digits) {
  std::string out = std::to_string(value / unit);
  std::string fraction = std::to_string(value % unit);
  fraction.insert(0, static_cast<std::size_t>(digits) - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) out += "." + fraction;
  return out;
}

// Go's time.Duration.String(), at microsecond precision: "1.5s", "300ms", "1m2.25s".
std::string go_duration(microseconds d) {
  std::int64_t us = d.count();
  if (us == 0) return "0s";
  std::string out = us < 0 ? "-" : "";
  us = us < 0 ? -us : us;
  if (us < 1000) return out + std::to_string(us) + "\u00b5s";
  if (us < kMicrosPerSecond) return out + with_fraction(us, 1000, 3) + "ms";
  const std::int64_t hours = us / (3600 * kMicrosPerSecond);
  us %= 3600 * kMicrosPerSecond;
  const std::int64_t minutes = us / (60 * kMicrosPerSecond);
  us %= 60 * kMicrosPerSecond;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  return out + with_fraction(us, kMicrosPerSecond, 6) + "s";
}

std::int64_t ceil_seconds(microseconds d) {
  return (d.count() + kMicrosPerSecond - 1) / kMicrosPerSecond;
}

bool digits_at(std::string_view s, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > s.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

// `created_on` filter: "YYYY-MM-DD", or a full ISO 8601 timestamp whose UTC day is meant
// (no zone: UTC). Returns the day as days since the epoch.
std::optional<std::int64_t> parse_utc_day(std::string_view s) {
  int year = 0, month = 0, day = 0;
  if (!digits_at(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digits_at(s, 5, 2, month) ||
      s[7] != '-' || !digits_at(s, 8, 2, day) || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  const std::int64_t days = internal::days_from_civil(year, month, day);
  if (s.size() == 10) return days;

  int hour = 0, minute = 0, second = 0;
  if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits_at(s, 11, 2, hour) ||
      s.size() < 19 || s[13] != ':' || !digits_at(s, 14, 2, minute) || s[16] != ':' ||
      !digits_at(s, 17, 2, second) || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int offset_hours = 0, offset_minutes = 0;
    if (!digits_at(s, pos + 1, 2, offset_hours) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits_at(s, pos + 4, 2, offset_minutes)) {
      return std::nullopt;
    }
    offset = (offset_hours * 3600 + offset_minutes * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t seconds = days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset;
  return floor_div(seconds, kSecondsPerDay);
}

const char* reason_code(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 429:
      return "too_many_requests";
    case 500:
      return "internal_server_error";
    case 503:
      return "service_unavailable";
    default:
      return "error";
  }
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // With a parameter the type is not one httplib compresses: its brotli runs at the highest
  // quality, which costs ~40 ms of server CPU per job and would make the mock slow.
  res.set_content(dump(body), "application/json; charset=utf-8");
}

// The documented error body.
void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(
      res, status,
      {{"error", {{"code", reason_code(status)}, {"message", message}, {"details", nullptr}}}});
}

struct TaskRecord {
  std::string id;
  std::string name;
  std::string block_id;
};

// Immutable once created: every state is derived from its age when it is read.
struct JobRecord {
  std::string id;
  std::string workflow_id;
  std::string project_id;
  SteadyClock::time_point created;
  SystemClock::time_point created_wall;
  microseconds duration{0};
  bool fails = false;
  std::array<TaskRecord, kTaskCount> tasks;

  microseconds queue_time() const { return duration / 10; }
  microseconds slot() const {
    return (duration - queue_time()) / static_cast<std::int64_t>(kTaskCount);
  }
  microseconds task_start(std::size_t i) const {
    return queue_time() + slot() * static_cast<std::int64_t>(i);
  }
  bool task_fails(std::size_t i) const { return fails && i + 1 == kTaskCount; }
  // The failing task gives up halfway through its share.
  microseconds task_end(std::size_t i) const {
    return task_start(i) + (task_fails(i) ? slot() / 2 : slot());
  }
  microseconds finish() const { return task_end(kTaskCount - 1); }
  SystemClock::time_point wall(microseconds offset) const {
    return created_wall + std::chrono::duration_cast<SystemClock::duration>(offset);
  }
  std::string timestamp(microseconds offset) const { return format_timestamp(wall(offset)); }
  microseconds age(SteadyClock::time_point now) const {
    return std::max(microseconds{0}, std::chrono::duration_cast<microseconds>(now - created));
  }

  std::string task_status(std::size_t i, microseconds age) const {
    if (age < task_start(i)) return "queued";
    if (age < task_end(i)) return "running";
    return task_fails(i) ? "failed" : "completed";
  }
  int task_progress(std::size_t i, microseconds age) const {
    if (age < task_start(i)) return 0;
    if (age >= task_end(i) && !task_fails(i)) return 100;
    const microseconds ran = std::min(age, task_end(i)) - task_start(i);
    return slot().count() > 0 ? static_cast<int>(ran.count() * 100 / slot().count()) : 100;
  }
  std::string status(microseconds age) const {
    if (age >= finish()) return fails ? "failed" : "completed";
    return age >= queue_time() ? "running" : "queued";
  }
  int progress(microseconds age) const {
    if (age >= finish() && !fails) return 100;
    int sum = 0;
    for (std::size_t i = 0; i < kTaskCount; ++i) sum += task_progress(i, age);
    return sum / static_cast<int>(kTaskCount);
  }
};

json render_task(const JobRecord& job, std::size_t i, microseconds age) {
  const TaskRecord& task = job.tasks[i];
  const std::string status = job.task_status(i, age);
  const bool started = age >= job.task_start(i);
  const bool done = status == "completed" || status == "failed";
  const bool failed = status == "failed";

  std::string state_msg = "processing";
  if (!started) {
    state_msg = i == 0 ? "waiting in queue" : "waiting for " + job.tasks[i - 1].name;
  } else if (done) {
    state_msg = failed ? "block exited with an error" : "done";
  }

  std::string logs;
  if (started) logs += job.timestamp(job.task_start(i)) + " " + task.name + ": started\n";
  if (done) logs += job.timestamp(job.task_end(i)) + " " + task.name + ": " + status + "\n";

  const json inputs = {{"project_id", job.project_id}, {"step", task.name}};
  const json result = {{"step", task.name},
                       {"output", "mock://jobs/" + job.id + "/" + task.name + ".tif"}};

  json out;
  out["id"] = task.id;
  out["info_logs"] = byte_array(logs);
  out["created_at"] = job.timestamp(microseconds{0});
  out["updated_at"] = job.timestamp(done ? job.task_end(i) : started ? age : microseconds{0});
  out["finished_at"] = done ? job.timestamp(job.task_end(i)) : "";
  out["estimated_time_duration"] = ceil_seconds(job.slot());
  out["time_taken"] = done ? go_duration(job.task_end(i) - job.task_start(i)) : "";
  out["status"] = status;
  out["state_msg"] = state_msg;
  out["inputs"] = byte_array(dump(inputs));
  if (done && !failed) {
    out["result"] = base64(dump(result));
  } else {
    out["result"] = json::array();
  }
  out["depends_on"] = i == 0 ? json::array() : json::array({job.tasks[i - 1].id});
  out["name"] = task.name;
  out["progress"] = job.task_progress(i, age);
  out["disclaimer"] = json::array();
  out["recv_time"] = started ? job.timestamp(job.task_start(i)) : "";
  out["send_time"] = started ? job.timestamp(job.task_start(i)) : "";
  out["block_inf_start_time"] = started ? job.timestamp(job.task_start(i)) : "";
  out["block_inf_end_time"] = done ? job.timestamp(job.task_end(i)) : "";
  out["block_info"] = {{"id", task.block_id}, {"name", "mock-" + task.name}, {"version", "1.0.0"}};
  out["err_msg"] =
      failed ? "mock failure: jobs of workflow \"wf-fail\" fail at their last task" : "";
  out["failure_type"] = failed ? "block_error" : "";
  return out;
}

// `summary`: the list form, without tasks, spec and val_errors.
json render_job(const JobRecord& job, SteadyClock::time_point now, bool summary) {
  const microseconds age = job.age(now);
  const std::string status = job.status(age);
  const bool executing = age >= job.queue_time();
  const bool done = age >= job.finish();
  const std::string updated_at = job.timestamp(done        ? job.finish()
                                               : executing ? age
                                                           : microseconds{0});

  json out;
  out["created_by"] = "mock-user";
  out["status"] = status;
  out["time_taken"] = done ? go_duration(job.finish()) : "";
  out["id"] = job.id;
  if (!summary) {
    json tasks = json::array();
    for (std::size_t i = 0; i < kTaskCount; ++i) tasks.push_back(render_task(job, i, age));
    out["tasks"] = std::move(tasks);
    out["val_errors"] = json::array();
    out["spec"] = {{"workflow_id", job.workflow_id}, {"project_id", job.project_id}};
  }
  out["cost"] = kCostPerTask * static_cast<std::int64_t>(kTaskCount);
  out["workflow_id"] = job.workflow_id;
  out["updated_at"] = updated_at;
  out["finished_at"] = done ? job.timestamp(job.finish()) : "";
  out["exec_created_at"] = executing ? job.timestamp(job.queue_time()) : "";
  out["exec_updated_at"] = executing ? updated_at : "";
  out["created_at"] = job.timestamp(microseconds{0});
  out["estimated_duration"] = ceil_seconds(job.duration);
  out["progress"] = std::to_string(job.progress(age));
  return out;
}

struct SignedLink {
  std::shared_ptr<const JobRecord> job;
  std::optional<std::size_t> task;
  SteadyClock::time_point expires;
};

bool is_wildcard_host(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
}

void check_rate(double rate, const char* name) {
  if (!(rate >= 0 && rate <= 1)) {
    throw std::invalid_argument(std::string("MockOptions::") + name + " must be between 0 and 1");
  }
}

void check_not_negative(std::chrono::milliseconds value, const char* name) {
  if (value.count() < 0) {
    throw std::invalid_argument(std::string("MockOptions::") + name + " must not be negative");
  }
}

// httplib 0.11.4 keeps its svr_sock_ protected and its accepted sockets to itself.
class HttpServer : public httplib::Server {
 public:
  socket_t listening_socket() const { return svr_sock_; }
};

bool same_socket_address(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto& a4 = reinterpret_cast<const sockaddr_in&>(a);
    const auto& b4 = reinterpret_cast<const sockaddr_in&>(b);
    return a4.sin_port == b4.sin_port &&
           (b4.sin_addr.s_addr == htonl(INADDR_ANY) || a4.sin_addr.s_addr == b4.sin_addr.s_addr);
  }
  if (a.ss_family == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(a);
    const auto& b6 = reinterpret_cast<const sockaddr_in6&>(b);
    return a6.sin6_port == b6.sin6_port &&
           (std::memcmp(&b6.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0 ||
            std::memcmp(&a6.sin6_addr, &b6.sin6_addr, sizeof a6.sin6_addr) == 0);
  }
  return false;
}

// A worker idling on a keep-alive connection notices httplib's stop() only when its
// keep-alive timeout (5 s) runs out, and httplib gives no handle on accepted sockets.
// They are the connected sockets of this process whose local address is the listening
// one: shutting them down wakes their workers at once.
void shutdown_accepted_sockets(const sockaddr_storage& listening) {
  std::vector<int> fds;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (const dirent* entry = readdir(dir)) {
      if (std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) {
        fds.push_back(std::atoi(entry->d_name));
      }
    }
    closedir(dir);
  } else {
    for (int fd = 0; fd < 1024; ++fd) fds.push_back(fd);
  }
  for (const int fd : fds) {
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t local_size = sizeof local;
    socklen_t peer_size = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) == 0 &&
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) == 0 &&
        same_socket_address(local, listening)) {
      shutdown(fd, SHUT_RDWR);
    }
  }
}

}  // namespace

class MockServer::Impl {
 public:
  explicit Impl(MockOptions options) : options_(std::move(options)) {
    check_rate(options_.fail_rate, "fail_rate");
    check_rate(options_.rate_limit_rate, "rate_limit_rate");
    check_not_negative(options_.job_duration, "job_duration");
    check_not_negative(options_.latency, "latency");
    check_not_negative(options_.signed_url_ttl, "signed_url_ttl");
    if (options_.retry_after_seconds < 0) {
      throw std::invalid_argument("MockOptions::retry_after_seconds must not be negative");
    }
    if (options_.port < 0 || options_.port > 65535) {
      throw std::invalid_argument("MockOptions::port must be between 0 and 65535");
    }
    if (options_.api_key.empty()) {
      throw std::invalid_argument("MockOptions::api_key must not be empty");
    }

    std::uint64_t seed = options_.seed;
    if (seed == 0) {
      std::random_device entropy;
      seed = std::uint64_t{entropy()} << 32 ^ entropy();
    }
    fault_rng_.seed(seed);
    id_rng_.seed(splitmix64(seed));
    id_salt_ = id_rng_();
    for (std::size_t i = 0; i < kTaskCount; ++i) block_ids_[i] = make_id_locked();
    fail_rate_ = options_.fail_rate;
    rate_limit_rate_ = options_.rate_limit_rate;
    latency_ = options_.latency;
    job_duration_ = options_.job_duration;

    configure();
  }

  void start() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
    if (started_) throw std::logic_error("MockServer::start() called twice");
    const int bound =
        options_.port == 0
            ? server_.bind_to_any_port(options_.host)
            : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (bound <= 0) {
      throw std::runtime_error("cannot bind the mock server to " + options_.host + ":" +
                               std::to_string(options_.port));
    }
    port_ = bound;
    // httplib listens with a backlog of 5: a burst of new connections (many clients, or
    // asynchronous calls) would overflow it, and each dropped SYN costs the client a 1 s
    // retransmission. listen() again raises the backlog of the bound socket.
    ::listen(server_.listening_socket(), 1024);
    socklen_t size = sizeof listening_address_;
    getsockname(server_.listening_socket(), reinterpret_cast<sockaddr*>(&listening_address_),
                &size);
    started_ = true;
    listener_ = std::thread([this] {
      server_.listen_after_bind();
      listener_done_ = true;
    });
    // httplib's stop() does nothing before the accept loop runs, so a stop() right after
    // start() would otherwise leave the listener running forever.
    while (!server_.is_running() && !listener_done_) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  void stop() {
    std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    stopping_cv_.notify_all();
    if (listener_.joinable()) {
      server_.stop();
      shutdown_accepted_sockets(listening_address_);
      listener_.join();
    }
  }

  int port() const { return port_; }

  std::string base_url() const {
    return "http://" + url_host(options_.host) + ":" + std::to_string(port_.load());
  }

  std::size_t request_count() const { return request_count_; }

  std::size_t job_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return jobs_.size();
  }

  std::size_t download_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return download_count_;
  }

  std::optional<std::string> last_download_authorization() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_download_authorization_;
  }

  void set_fail_rate(double rate) {
    check_rate(rate, "fail_rate");
    std::lock_guard<std::mutex> lock(mutex_);
    fail_rate_ = rate;
  }

  void set_rate_limit_rate(double rate) {
    check_rate(rate, "rate_limit_rate");
    std::lock_guard<std::mutex> lock(mutex_);
    rate_limit_rate_ = rate;
  }

  void set_latency(std::chrono::milliseconds latency) {
    check_not_negative(latency, "latency");
    std::lock_guard<std::mutex> lock(mutex_);
    latency_ = latency;
  }

  void set_job_duration(std::chrono::milliseconds duration) {
    check_not_negative(duration, "job_duration");
    std::lock_guard<std::mutex> lock(mutex_);
    job_duration_ = duration;
  }

 private:
  using Captures = std::vector<std::string>;
  using RouteHandler = void (Impl::*)(const httplib::Request&, httplib::Response&, const Captures&);
  struct Route {
    std::string method;
    std::regex pattern;
    RouteHandler handler;
  };

  void configure() {
    server_.set_tcp_nodelay(true);
    // httplib's default pool has 8 threads, each held by a keep-alive connection until it
    // has been idle for 5 s: a 9th concurrent client would wait that long. Many SDK
    // clients (and asynchronous calls) keep more connections than that.
    server_.new_task_queue = [] { return new httplib::ThreadPool(256); };
    server_.set_keep_alive_max_count(100000);
    // httplib's default also sets SO_REUSEPORT, which lets a second server bind a port that
    // is in use and silently take half of its connections.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, {{"status", "ok"}});
    });
    server_.Get(R"(/signed/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      serve_signed(req, res);
    });

    // httplib 0.11.4 percent-decodes req.path before matching its patterns, so an id holding
    // "%2F" would become two segments and hit no route (or the wrong one), and its regexes
    // run on decoded text. The /v0/ routes therefore match the raw req.target and decode each
    // captured segment on its own: "a%2Fb" is the id "a/b", "a%20b" is "a b", "%zz" stays.
    // "[\s\S]", as '.' would not match a decoded "%0A".
    const std::string v0 = R"(/v0/[\s\S]*)";
    server_.Get(
        v0, [this](const httplib::Request& req, httplib::Response& res) { serve_api(req, res); });
    // httplib 0.11.4 waits for EOF (its 5 s read timeout, then answers 400) for the body of
    // a POST/PUT/PATCH/DELETE that has neither Content-Length nor chunked encoding, as curl
    // sends for a custom "PUT" without data. A content-reader handler is called before the
    // body is read, so it can read only a body that was announced, and ignore it.
    const httplib::Server::HandlerWithContentReader with_body =
        [this](const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& content_reader) {
          if (req.has_header("Content-Length") ||
              internal::to_lower(req.get_header_value("Transfer-Encoding")).find("chunked") !=
                  std::string::npos) {
            content_reader([](const char*, std::size_t) { return true; });
          }
          if (req.path.rfind("/v0/", 0) == 0) {
            serve_api(req, res);
          } else {
            send_error(res, 404, "no such route");
          }
        };
    const std::string any = R"([\s\S]*)";
    server_.Post(any, with_body);
    server_.Put(any, with_body);
    server_.Patch(any, with_body);
    server_.Delete(any, with_body);
    routes_ = {
        {"POST", std::regex(R"(/v0/workflows/([^/]+)/jobs)"), &Impl::create_job},
        {"GET", std::regex(R"(/v0/workflows/([^/]+)/jobs)"), &Impl::list_jobs},
        {"GET", std::regex(R"(/v0/workflows/([^/]+)/jobs/([^/]+))"), &Impl::get_job},
        {"PUT", std::regex(R"(/v0/workflows/([^/]+)/jobs/([^/]+)/download)"), &Impl::download_job},
        {"PUT", std::regex(R"(/v0/workflows/([^/]+)/jobs/([^/]+)/tasks/([^/]+)/download)"),
         &Impl::download_task},
    };

    // httplib calls this for every answer of 400 or more, also those that already have our
    // JSON body; only httplib's own bare errors (no route, bad request line) need one.
    server_.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          send_error(res, res.status,
                     res.status == 404 ? "no such route" : "the request could not be served");
          return httplib::Server::HandlerResponse::Handled;
        }));
    server_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr error) {
          std::string message = "unexpected error in the mock server";
          try {
            if (error) std::rethrow_exception(error);
          } catch (const std::exception& e) {
            message += std::string(": ") + e.what();
          } catch (...) {
          }
          send_error(res, 500, message);
        });
    server_.set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Request-Id", "req-" + std::to_string(++request_count_));
      if (!res.has_header("Content-Type")) res.set_header("Content-Type", "application/json; charset=utf-8");
    });
    server_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      if (!options_.on_request) return;
      options_.on_request(
          RequestLog{req.method, req.target, res.status, res.get_header_value("X-Request-Id")});
    });
  }

  std::string make_id_locked() {
    return hex16(splitmix64(id_salt_ + id_counter_++)) + hex16(id_rng_());
  }

  enum class Fault { kNone, kRateLimited, kUnavailable };

  Fault next_fault() {
    std::lock_guard<std::mutex> lock(mutex_);
    // Both draws always happen, so a seed gives the same sequence whatever the rates.
    const double limited = unit_interval(fault_rng_);
    const double failed = unit_interval(fault_rng_);
    if (limited < rate_limit_rate_) return Fault::kRateLimited;
    if (failed < fail_rate_) return Fault::kUnavailable;
    return Fault::kNone;
  }

  void wait_latency() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (latency_.count() > 0) {
      stopping_cv_.wait_for(lock, latency_, [this] { return stopping_; });
    }
  }

  void serve_api(const httplib::Request& req, httplib::Response& res) {
    wait_latency();
    switch (next_fault()) {
      case Fault::kRateLimited:
        res.set_header("Retry-After", std::to_string(options_.retry_after_seconds));
        send_error(res, 429, "rate limit exceeded (injected by the mock server)");
        return;
      case Fault::kUnavailable:
        send_error(res, 503, "service unavailable (injected by the mock server)");
        return;
      case Fault::kNone:
        break;
    }
    if (req.get_header_value_count("Authorization") != 1 ||
        req.get_header_value("Authorization") != options_.api_key) {
      send_error(res, 403, "missing or invalid API key in the Authorization header");
      return;
    }

    const std::string raw_path = req.target.substr(0, req.target.find('?'));
    for (const Route& route : routes_) {
      std::smatch match;
      if (route.method != req.method || !std::regex_match(raw_path, match, route.pattern)) {
        continue;
      }
      Captures captures;
      for (std::size_t i = 1; i < match.size(); ++i) {
        captures.push_back(internal::percent_decode(match.str(i)));
      }
      (this->*route.handler)(req, res, captures);
      return;
    }
    send_error(res, 404, "no such route: " + req.method + " " + raw_path);
  }

  std::shared_ptr<const JobRecord> find_job(const std::string& workflow_id,
                                            const std::string& job_id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = job_index_.find(job_id);
    if (found == job_index_.end() || jobs_[found->second]->workflow_id != workflow_id) {
      return nullptr;
    }
    return jobs_[found->second];
  }

  void send_job_not_found(httplib::Response& res, const std::string& workflow_id,
                          const std::string& job_id) {
    send_error(res, 404, "job \"" + job_id + "\" not found in workflow \"" + workflow_id + "\"");
  }

  void create_job(const httplib::Request& req, httplib::Response& res, const Captures& ids) {
    const std::string project_id = req.get_param_value("project_id");
    if (project_id.empty()) {
      send_error(res, 400, "query parameter project_id is required");
      return;
    }
    auto job = std::make_shared<JobRecord>();
    job->workflow_id = ids[0];
    job->project_id = project_id;
    job->fails = ids[0] == kFailingWorkflow;
    job->created = SteadyClock::now();
    job->created_wall = SystemClock::now();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job->duration = job_duration_;
      job->id = make_id_locked();
      for (std::size_t i = 0; i < kTaskCount; ++i) {
        job->tasks[i] = TaskRecord{make_id_locked(), kTaskNames[i], block_ids_[i]};
      }
      job_index_.emplace(job->id, jobs_.size());
      jobs_.push_back(job);
    }
    send_json(res, 200, render_job(*job, SteadyClock::now(), false));
  }

  void list_jobs(const httplib::Request& req, httplib::Response& res, const Captures& ids) {
    const std::string id = req.get_param_value("id");
    const std::string status = internal::to_lower(req.get_param_value("status"));
    const std::string created_by = req.get_param_value("created_by");
    const std::string created_on = req.get_param_value("created_on");
    std::optional<std::int64_t> day;
    if (!created_on.empty()) {
      day = parse_utc_day(created_on);
      if (!day) {
        send_error(res, 400, "created_on must be an ISO 8601 date (YYYY-MM-DD) or timestamp");
        return;
      }
    }

    std::vector<std::shared_ptr<const JobRecord>> jobs;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs = jobs_;
    }
    const auto now = SteadyClock::now();
    json listed = json::array();
    for (const auto& job : jobs) {
      if (job->workflow_id != ids[0] || (!id.empty() && job->id != id)) continue;
      if (!created_by.empty() && created_by != "mock-user") continue;
      if (!status.empty() && internal::to_lower(job->status(job->age(now))) != status) continue;
      if (day) {
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(job->created_wall.time_since_epoch())
                .count();
        if (floor_div(seconds, kSecondsPerDay) != *day) continue;
      }
      listed.push_back(render_job(*job, now, true));
    }
    send_json(res, 200, {{"jobs", std::move(listed)}});
  }

  void get_job(const httplib::Request&, httplib::Response& res, const Captures& ids) {
    const auto job = find_job(ids[0], ids[1]);
    if (!job) return send_job_not_found(res, ids[0], ids[1]);
    send_json(res, 200, render_job(*job, SteadyClock::now(), false));
  }

  std::string signed_url(const httplib::Request& req, std::shared_ptr<const JobRecord> job,
                         std::optional<std::size_t> task) {
    const auto ttl = std::chrono::duration_cast<microseconds>(options_.signed_url_ttl);
    const auto expires_wall = SystemClock::now() + ttl;
    const auto now = SteadyClock::now();
    std::string token;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto link = links_.begin(); link != links_.end();) {
        link = now >= link->second.expires ? links_.erase(link) : std::next(link);
      }
      token = make_id_locked();
      links_.emplace(token, SignedLink{std::move(job), task, now + ttl});
    }
    std::string base = base_url();
    if (is_wildcard_host(options_.host) && req.has_header("Host")) {
      base = "http://" + req.get_header_value("Host");
    }
    const auto expires_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(expires_wall.time_since_epoch()).count();
    return base + "/signed/" + token + "?expires=" + std::to_string(expires_seconds);
  }

  void download_job(const httplib::Request& req, httplib::Response& res, const Captures& ids) {
    const auto job = find_job(ids[0], ids[1]);
    if (!job) return send_job_not_found(res, ids[0], ids[1]);
    const bool ready = job->status(job->age(SteadyClock::now())) == "completed";
    send_json(res, 200,
              {{"id", job->id},
               {"status", ready ? "ready" : "pending"},
               {"signed_url", ready ? signed_url(req, job, std::nullopt) : ""},
               {"workflowId", job->workflow_id}});
  }

  void download_task(const httplib::Request& req, httplib::Response& res, const Captures& ids) {
    const auto job = find_job(ids[0], ids[1]);
    if (!job) return send_job_not_found(res, ids[0], ids[1]);
    const auto task = std::find_if(job->tasks.begin(), job->tasks.end(),
                                   [&](const TaskRecord& t) { return t.id == ids[2]; });
    if (task == job->tasks.end()) {
      send_error(res, 404, "task \"" + ids[2] + "\" not found in job \"" + ids[1] + "\"");
      return;
    }
    const auto index = static_cast<std::size_t>(task - job->tasks.begin());
    const bool ready = job->task_status(index, job->age(SteadyClock::now())) == "completed";
    send_json(res, 200,
              {{"id", task->id},
               {"job_id", job->id},
               {"workflow_id", job->workflow_id},
               {"status", ready ? "ready" : "pending"},
               {"signed_url", ready ? signed_url(req, job, index) : ""}});
  }

  void serve_signed(const httplib::Request& req, httplib::Response& res) {
    std::optional<SignedLink> link;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++download_count_;
      last_download_authorization_.reset();
      if (req.has_header("Authorization")) {
        last_download_authorization_ = req.get_header_value("Authorization");
      }
      const auto found = links_.find(req.matches[1].str());
      if (found != links_.end()) link = found->second;
    }
    const auto now = SteadyClock::now();
    if (!link || now >= link->expires) {
      send_error(res, 404, "unknown or expired download link");
      return;
    }

    const JobRecord& job = *link->job;
    const json job_json = render_job(job, now, false);
    std::vector<ZipEntry> entries;
    std::string name = "job-" + job.id;
    if (link->task) {
      const json& task = job_json["tasks"][*link->task];
      name = "task-" + task["id"].get<std::string>();
      entries.push_back({"task.json", dump(task, 2) + "\n"});
    } else {
      entries.push_back({"job.json", dump(job_json, 2) + "\n"});
    }
    entries.push_back({"README.txt",
                       "Produced by pixxel-mock-server, an offline fake of the Pixxel API.\n"
                       "This archive stands in for the outputs of " +
                           name + ".\n"});
    res.status = 200;
    res.set_header("Content-Disposition", "attachment; filename=\"" + name + ".zip\"");
    res.set_content(make_stored_zip(entries, SystemClock::to_time_t(job.wall(job.finish()))),
                    "application/zip");
  }

  const MockOptions options_;
  HttpServer server_;
  std::vector<Route> routes_;

  std::mutex lifecycle_mutex_;
  bool started_ = false;
  std::thread listener_;
  sockaddr_storage listening_address_{};
  std::atomic<bool> listener_done_{false};
  std::atomic<int> port_{0};
  std::atomic<std::size_t> request_count_{0};

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  double fail_rate_ = 0;
  double rate_limit_rate_ = 0;
  std::chrono::milliseconds latency_{0};
  std::chrono::milliseconds job_duration_{0};
  std::mt19937_64 fault_rng_;
  std::mt19937_64 id_rng_;
  std::uint64_t id_salt_ = 0;
  std::uint64_t id_counter_ = 0;
  std::array<std::string, kTaskCount> block_ids_;
  std::vector<std::shared_ptr<const JobRecord>> jobs_;
  std::unordered_map<std::string, std::size_t> job_index_;
  std::unordered_map<std::string, SignedLink> links_;
  std::size_t download_count_ = 0;
  std::optional<std::string> last_download_authorization_;
};

MockServer::MockServer(MockOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
MockServer::~MockServer() { impl_->stop(); }
void MockServer::start() { impl_->start(); }
void MockServer::stop() { impl_->stop(); }
int MockServer::port() const { return impl_->port(); }
std::string MockServer::base_url() const { return impl_->base_url(); }
std::size_t MockServer::request_count() const { return impl_->request_count(); }
std::size_t MockServer::job_count() const { return impl_->job_count(); }
std::size_t MockServer::download_count() const { return impl_->download_count(); }
std::optional<std::string> MockServer::last_download_authorization() const {
  return impl_->last_download_authorization();
}
void MockServer::set_fail_rate(double rate) { impl_->set_fail_rate(rate); }
void MockServer::set_rate_limit_rate(double rate) { impl_->set_rate_limit_rate(rate); }
void MockServer::set_latency(std::chrono::milliseconds latency) { impl_->set_latency(latency); }
void MockServer::set_job_duration(std::chrono::milliseconds duration) {
  impl_->set_job_duration(duration);
}

std::uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < t.size(); ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) crc = table[(crc ^ static_cast<unsigned char>(c)) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

namespace {

void put16(std::string& out, std::uint32_t value) {
  out += static_cast<char>(value & 0xFF);
  out += static_cast<char>(value >> 8 & 0xFF);
}

void put32(std::string& out, std::uint32_t value) {
  put16(out, value & 0xFFFF);
  put16(out, value >> 16);
}

std::uint32_t checked_u32(std::size_t value) {
  if (value > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("ZIP64 is not supported");
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace

// Layout per PKWARE's APPNOTE.TXT, sections 4.3.7 (local header), 4.3.12 (central
// directory) and 4.3.16 (end record); no data descriptors, no ZIP64.
std::string make_stored_zip(const std::vector<ZipEntry>& entries, std::time_t modified) {
  if (entries.size() > 0xFFFF) throw std::length_error("too many ZIP entries");
  const std::tm tm = utc_calendar(modified);
  const bool before_dos_epoch = tm.tm_year < 80;
  const auto dos_time =
      before_dos_epoch
          ? 0u
          : static_cast<std::uint32_t>(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
  const auto dos_date =
      before_dos_epoch
          ? static_cast<std::uint32_t>(1 << 5 | 1)
          : static_cast<std::uint32_t>((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
  constexpr std::uint32_t kVersionNeeded = 10;             // 1.0: stored entries
  constexpr std::uint32_t kVersionMadeBy = 3u << 8 | 20u;  // Unix, 2.0
  constexpr std::uint32_t kUtf8Names = 1u << 11;

  std::string out;
  std::string central;
  for (const ZipEntry& entry : entries) {
    const std::uint32_t offset = checked_u32(out.size());
    const std::uint32_t crc = crc32(entry.data);
    const std::uint32_t size = checked_u32(entry.data.size());
    const std::uint32_t name_size = checked_u32(entry.name.size());

    put32(out, 0x04034b50);
    put16(out, kVersionNeeded);
    put16(out, kUtf8Names);
    put16(out, 0);  // stored
    put16(out, dos_time);
    put16(out, dos_date);
    put32(out, crc);
    put32(out, size);
    put32(out, size);
    put16(out, name_size);
    put16(out, 0);
    out += entry.name;
    out += entry.data;

    put32(central, 0x02014b50);
    put16(central, kVersionMadeBy);
    put16(central, kVersionNeeded);
    put16(central, kUtf8Names);
    put16(central, 0);
    put16(central, dos_time);
    put16(central, dos_date);
    put32(central, crc);
    put32(central, size);
    put32(central, size);
    put16(central, name_size);
    put16(central, 0);               // extra field
    put16(central, 0);               // comment
    put16(central, 0);               // disk number
    put16(central, 0);               // internal attributes
    put32(central, 0100644u << 16);  // external attributes: a regular file, rw-r--r--
    put32(central, offset);
    central += entry.name;
  }
  const std::uint32_t central_offset = checked_u32(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put32(out, checked_u32(central.size()));
  put32(out, central_offset);
  put16(out, 0);
  return out;
}

}  // namespace pixxel::mock
