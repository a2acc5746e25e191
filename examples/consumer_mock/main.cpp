// Starts pixxel::mock's in-process server on a free port and talks to it with the SDK over
// loopback: what a user's tests do with the installed `mock` component.

#include <iostream>

#include <mock_server.hpp>
#include <pixxel/pixxel.hpp>

namespace {

int fail(const std::string& what) {
  std::cerr << "mock consumer: " << what << "\n";
  return 1;
}

}  // namespace

int main() {
  try {
    pixxel::mock::MockOptions mock_options;
    mock_options.api_key = "mock-consumer-key";
    pixxel::mock::MockServer server(mock_options);
    server.start();

    pixxel::ClientOptions options;
    options.api_key = "mock-consumer-key";
    options.base_url = server.base_url();
    pixxel::PixxelClient client(options);

    const pixxel::Job created = client.create_job("wf-1", "proj-1");
    if (created.id.empty() || created.workflow_id != "wf-1") return fail("unexpected job");
    const pixxel::Job fetched = client.get_job("wf-1", created.id);
    if (fetched.id != created.id || fetched.tasks.size() != created.tasks.size()) {
      return fail("get_job did not return the created job");
    }
    if (server.job_count() != 1)
      return fail("the server holds " + std::to_string(server.job_count()) + " jobs");

    pixxel::ClientOptions wrong = options;
    wrong.api_key = "not-the-key";
    try {
      pixxel::PixxelClient(wrong).get_job("wf-1", created.id);
      return fail("expected the wrong key to be refused");
    } catch (const pixxel::PermissionDeniedError&) {
    } catch (const pixxel::AuthenticationError&) {
    }
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  std::cout << "mock consumer OK\n";
  return 0;
}
