// Starts pixxel::mock's in-process server on a free port and talks to it with the SDK over
// loopback: what a user's tests do with the installed `mock` component (create, get, wait,
// per-call options, cancellation, a refused key).

#include <chrono>
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
    mock_options.job_duration = std::chrono::milliseconds(200);
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

    // The SDK's real wait, polling the mock over loopback, each poll with its own timeout.
    pixxel::WaitOptions wait;
    wait.poll_interval = std::chrono::milliseconds(20);
    wait.max_poll_interval = std::chrono::milliseconds(20);
    wait.timeout = std::chrono::seconds(30);
    pixxel::CallOptions poll;
    poll.timeout = std::chrono::seconds(5);
    if (client.wait_for_job("wf-1", created.id, wait, poll).status != "completed") {
      return fail("the job did not complete");
    }
    if (client.wait_for_job_async("wf-1", created.id, wait).get().status != "completed") {
      return fail("wait_for_job_async did not see the job completed");
    }

    // A cancelled call throws CancelledError and sends nothing.
    pixxel::CancellationSource stop;
    stop.cancel();
    pixxel::CallOptions cancelled;
    cancelled.cancel = stop.token();
    try {
      client.create_job("wf-1", "proj-1", cancelled);
      return fail("expected CancelledError");
    } catch (const pixxel::CancelledError& e) {
      if (e.request_sent()) return fail("a call cancelled before it started was sent");
    }
    if (server.job_count() != 1) return fail("a cancelled create_job created a job");

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
