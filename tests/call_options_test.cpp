// CallOptions: a per-call timeout and retry policy override the client's for that call alone.

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/fake_transport.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

constexpr char kJob[] = R"({"id": "job-1", "status": "running"})";

struct Fixture {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  ClientOptions options() const {
    ClientOptions o;
    o.api_key = "call-options-key";
    o.base_url = "http://127.0.0.1:1";
    o.transport = transport;
    o.timeout = 60000ms;
    o.retry.max_retries = 0;
    return o;
  }
};

RetryPolicy quick_retries(int n) {
  RetryPolicy retry;
  retry.max_retries = n;
  retry.initial_backoff = 1ms;
  retry.max_backoff = 1ms;
  return retry;
}

TEST(CallOptionsTest, TimeoutOverridesTheClientsForThatCallAlone) {
  Fixture f;
  f.transport->then_answer(200, kJob);
  PixxelClient client(f.options());
  CallOptions quick;
  quick.timeout = 250ms;
  client.get_job("wf", "job-1", quick);
  EXPECT_EQ(f.transport->last().timeout, 250ms);
  client.get_job("wf", "job-1");
  EXPECT_EQ(f.transport->last().timeout, 60000ms);
  client.create_job_async("wf", "p", quick).get();
  EXPECT_EQ(f.transport->last().timeout, 250ms);
}

TEST(CallOptionsTest, RetryPolicyOverridesTheClientsForThatCallAlone) {
  Fixture f;
  f.transport->then_answer(503, "{}");
  f.transport->then_answer(503, "{}");
  f.transport->then_answer(200, kJob);
  PixxelClient client(f.options());  // the client's policy: no retries
  CallOptions patient;
  patient.retry = quick_retries(2);
  EXPECT_EQ(client.get_job("wf", "job-1", patient).id, "job-1");
  EXPECT_EQ(f.transport->count(), 3u);

  f.transport->then_answer(503, "{}");
  client.get_job("wf", "job-1");  // the 200 left over from the script
  EXPECT_THROW(client.get_job("wf", "job-1"), ServerError);
  EXPECT_EQ(f.transport->count(), 5u);  // one attempt: the client's own policy again
}

TEST(CallOptionsTest, RetryOverrideAppliesToAsyncCalls) {
  Fixture f;
  f.transport->then_answer(429, "{}");
  f.transport->then_answer(200, kJob);
  PixxelClient client(f.options());
  CallOptions patient;
  patient.retry = quick_retries(1);
  EXPECT_EQ(client.get_job_async("wf", "job-1", patient).get().id, "job-1");
  EXPECT_EQ(f.transport->count(), 2u);
}

TEST(CallOptionsTest, RetryOverrideCanAllowRepeatingAPost) {
  Fixture f;
  f.transport->then_answer(500, "{}");
  f.transport->then_answer(200, kJob);
  ClientOptions o = f.options();
  o.retry = quick_retries(3);  // retries, but never a POST that may have been acted on
  PixxelClient client(o);
  EXPECT_THROW(client.create_job("wf", "p"), ServerError);
  EXPECT_EQ(f.transport->count(), 1u);
  CallOptions risky;
  risky.retry = quick_retries(3);
  risky.retry->retry_non_idempotent = true;
  f.transport->then_answer(500, "{}");
  f.transport->then_answer(200, kJob);
  EXPECT_EQ(client.create_job("wf", "p", risky).id, "job-1");
}

TEST(CallOptionsTest, BadOverridesAreInvalidArgumentsBeforeAnyRequest) {
  Fixture f;
  f.transport->then_answer(200, kJob);
  PixxelClient client(f.options());
  CallOptions negative;
  negative.timeout = -1ms;
  EXPECT_THROW(client.get_job("wf", "job-1", negative), InvalidArgumentError);
  CallOptions bad_retry;
  bad_retry.retry = RetryPolicy{};
  bad_retry.retry->multiplier = 0.5;
  EXPECT_THROW(client.list_jobs("wf", {}, bad_retry), InvalidArgumentError);
  EXPECT_THROW(client.get_job_async("wf", "job-1", bad_retry).get(), InvalidArgumentError);
  EXPECT_EQ(f.transport->count(), 0u);
}

TEST(CallOptionsTest, SaveDownloadTimeoutBoundsTheStall) {
  Fixture f;
  f.transport->then_answer(200, "zip", {{"Content-Length", "3"}});
  PixxelClient client(f.options());
  DownloadLink link;
  link.status = "ready";
  link.signed_url = "http://127.0.0.1:1/archive.zip";
  CallOptions call;
  call.timeout = 1500ms;
  const std::string path = ::testing::TempDir() + "/call_options_test.zip";
  SaveOptions save;
  save.overwrite = true;
  EXPECT_EQ(client.save_download(link, path, save, call), 3u);
  EXPECT_EQ(f.transport->last().stall_timeout, 1500ms);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace pixxel
