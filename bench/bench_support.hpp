#ifndef PIXXEL_BENCH_BENCH_SUPPORT_HPP_
#define PIXXEL_BENCH_BENCH_SUPPORT_HPP_

// What the benchmarks share: realistic Job bodies, an in-process server, and a heap counter.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>

#include <httplib.h>

namespace pixxel::bench {

// A Job body as the API documents it, with `tasks` tasks carrying every field.
std::string make_job_body(std::size_t tasks);

// Heap bytes in use and the high-water mark since reset_peak(), counted by the benchmark
// binary's replacement operator new/delete.
std::size_t heap_in_use();
std::size_t heap_peak();
void reset_heap_peak();

// A cpp-httplib server on 127.0.0.1 answering every create/get with `body` after `delay`.
// `uncopied`: each answer is written from `body` in pieces rather than from a copy of it, so
// that the server's own heap stays out of a client's peak measured in the same process.
class JobServer {
 public:
  JobServer(std::string body, std::chrono::milliseconds delay, bool uncopied = false);
  ~JobServer();
  JobServer(const JobServer&) = delete;
  JobServer& operator=(const JobServer&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  class Server;
  std::string body_;
  std::chrono::milliseconds delay_;
  bool uncopied_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace pixxel::bench

#endif  // PIXXEL_BENCH_BENCH_SUPPORT_HPP_
