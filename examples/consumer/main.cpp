// Links against pixxel as a user would and checks what crosses the library boundary: the
// client, the transport seam, the models and typed exceptions.

#include <iostream>
#include <memory>

#include <pixxel/pixxel.hpp>

namespace {

class CannedTransport : public pixxel::Transport {
 public:
  pixxel::HttpResponse send(const pixxel::HttpRequest& request) override {
    last_url = request.url;
    if (request.url.find("/missing/") != std::string::npos) {
      return {404, {{"X-Request-Id", "r-1"}}, R"({"error": {"message": "no such workflow"}})"};
    }
    return {200, {}, R"({"id": "job-1", "status": "queued", "tasks": [{"name": "ingest"}]})"};
  }
  std::string last_url;
};

int fail(const char* what) {
  std::cerr << "consumer: " << what << "\n";
  return 1;
}

}  // namespace

int main() {
  auto transport = std::make_shared<CannedTransport>();
  pixxel::ClientOptions options;
  options.api_key = "consumer-key";
  options.base_url = "https://api.example.test";
  options.transport = transport;
  pixxel::PixxelClient client(options);

  const pixxel::Job job = client.create_job("wf-1", "proj-1");
  if (job.id != "job-1" || job.tasks.size() != 1 || job.tasks[0].name != "ingest") {
    return fail("the job was not decoded");
  }
  if (transport->last_url != "https://api.example.test/v0/workflows/wf-1/jobs?project_id=proj-1") {
    return fail("unexpected URL");
  }
  try {
    client.create_job("missing", "proj-1");
    return fail("expected NotFoundError");
  } catch (const pixxel::Error& e) {
    // Caught through the base class: type information crosses the library boundary.
    if (dynamic_cast<const pixxel::NotFoundError*>(&e) == nullptr) return fail("wrong type");
  }
  try {
    pixxel::ClientOptions bad;
    bad.api_key = "k";
    bad.base_url = "ftp://example.test";
    pixxel::PixxelClient rejected(bad);
    return fail("expected ConfigurationError");
  } catch (const pixxel::ConfigurationError&) {
  }
  nlohmann::json round_trip = job;
  if (round_trip.get<pixxel::Job>() != job) return fail("JSON round trip changed the job");
  if (!pixxel::is_terminal_status("Completed")) return fail("is_terminal_status");

  std::cout << "consumer OK: pixxel " << pixxel::version() << " (headers " << PIXXEL_VERSION_STRING
            << ")\n";
  return 0;
}
