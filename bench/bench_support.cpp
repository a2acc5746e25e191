#include "bench_support.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <new>

#include <nlohmann/json.hpp>

namespace {

std::atomic<std::size_t> g_in_use{0};
std::atomic<std::size_t> g_peak{0};

// The size is stored in front of each block so that operator delete can count it back.
constexpr std::size_t kHeader = alignof(std::max_align_t);

void* counted_alloc(std::size_t size) {
  void* raw = std::malloc(size + kHeader);
  if (raw == nullptr) throw std::bad_alloc();
  *static_cast<std::size_t*>(raw) = size;
  const std::size_t now = g_in_use.fetch_add(size, std::memory_order_relaxed) + size;
  std::size_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return static_cast<char*>(raw) + kHeader;
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  void* raw = static_cast<char*>(p) - kHeader;
  g_in_use.fetch_sub(*static_cast<std::size_t*>(raw), std::memory_order_relaxed);
  std::free(raw);
}

}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

namespace pixxel::bench {

std::size_t heap_in_use() { return g_in_use.load(); }
std::size_t heap_peak() { return g_peak.load(); }
void reset_heap_peak() { g_peak.store(g_in_use.load()); }

std::string make_job_body(std::size_t tasks) {
  nlohmann::json job = {
      {"created_by", "user-7f3a9c"},
      {"status", "running"},
      {"time_taken", "1h2m3.5s"},
      {"id", "job-5d41402abc4b2a76b9719d911017c592"},
      {"val_errors", nlohmann::json::array()},
      {"spec", {{"workflow", "wf-1"}, {"project", "proj-1"}, {"aoi", {{"type", "Polygon"}}}}},
      {"cost", 1200},
      {"workflow_id", "wf-0c2f6a1e"},
      {"updated_at", "2024-05-01 12:55:49.125928+00:00"},
      {"finished_at", ""},
      {"exec_created_at", "2024-05-01 12:00:00.000001+00:00"},
      {"exec_updated_at", "2024-05-01 12:55:49.125928+00:00"},
      {"created_at", "2024-05-01 12:00:00.000000+00:00"},
      {"estimated_duration", 3600},
      {"progress", "45"}};
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < tasks; ++i) {
    const std::string id = "task-" + std::to_string(i) + "-8e296a067a37563370ded05f5a3bf3ec";
    list.push_back(
        {{"id", id},
         {"info_logs", "eyJsZXZlbCI6ICJpbmZvIiwgIm1zZyI6ICJzdGFydGVkIn0="},
         {"created_at", "2024-05-01 12:00:00.000000+00:00"},
         {"updated_at", "2024-05-01 12:10:00.000000+00:00"},
         {"finished_at", "2024-05-01 12:20:00.000000+00:00"},
         {"estimated_time_duration", 600},
         {"time_taken", "10m2.25s"},
         {"status", i % 3 == 0 ? "completed" : "running"},
         {"state_msg", "processing tile " + std::to_string(i)},
         {"inputs", {123, 34, 116, 105, 108, 101, 34, 58, 32, 49, 125}},
         {"result", {{"tiles", i}, {"format", "GeoTIFF"}}},
         {"depends_on", i == 0 ? nlohmann::json::array()
                               : nlohmann::json::array({"task-" + std::to_string(i - 1)})},
         {"name", "block-" + std::to_string(i % 7)},
         {"progress", static_cast<double>(i % 101)},
         {"disclaimer", {"imagery courtesy of Pixxel"}},
         {"recv_time", "2024-05-01 12:00:01.000000+00:00"},
         {"send_time", "2024-05-01 12:00:02.000000+00:00"},
         {"block_inf_start_time", "2024-05-01 12:00:03.000000+00:00"},
         {"block_inf_end_time", "2024-05-01 12:19:59.000000+00:00"},
         {"block_info", {{"id", "blk-42"}, {"name", "cloud-mask"}, {"version", "1.4.2"}}},
         {"err_msg", ""},
         {"failure_type", ""}});
  }
  job["tasks"] = std::move(list);
  return job.dump();
}

class JobServer::Server : public httplib::Server {
 public:
  socket_t listening_socket() const { return svr_sock_; }
};

JobServer::JobServer(std::string body, std::chrono::milliseconds delay, bool uncopied)
    : body_(std::move(body)),
      delay_(delay),
      uncopied_(uncopied),
      server_(std::make_unique<Server>()) {
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(1000000);
  server_->new_task_queue = [] { return new httplib::ThreadPool(300); };
  auto answer = [this](const httplib::Request&, httplib::Response& res) {
    // The simulated processing time of a real API, not synchronisation.
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    // Uncompressed: httplib's brotli (highest quality) would cost the server ~40 ms a body,
    // drowning what is measured here, the client's own cost.
    if (uncopied_) {
      res.set_content_provider(
          body_.size(), "application/json; charset=utf-8",
          [this](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            return sink.write(body_.data() + offset, std::min<std::size_t>(length, 64 * 1024));
          });
      return;
    }
    res.set_content(body_, "application/json; charset=utf-8");
  };
  server_->Post(R"(/v0/workflows/([^/]+)/jobs)", answer);
  server_->Get(R"(/v0/workflows/([^/]+)/jobs/([^/]+))", answer);
  port_ = server_->bind_to_any_port("127.0.0.1");
  // httplib's backlog of 5 would drop bursts of connections.
  ::listen(server_->listening_socket(), 1024);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

JobServer::~JobServer() {
  server_->stop();
  thread_.join();
}

}  // namespace pixxel::bench
