// Tests run_workflow with pixxel's MockConnection: the mocked get_job answers running, then
// completed, and drives the SDK's real wait_for_job.

#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pixxel/mocks/mock_connection.hpp>

#include "job_runner.hpp"

namespace {

using ::testing::_;
using ::testing::InSequence;
using ::testing::Return;

pixxel::Job job(const std::string& status) {
  pixxel::Job j;
  j.id = "job-7";
  j.workflow_id = "wf-1";
  j.status = status;
  return j;
}

TEST(RunWorkflowTest, WaitsForTheJobAndAsksForItsArchive) {
  auto mock = std::make_shared<pixxel::mocks::MockConnection>();
  {
    InSequence order;
    EXPECT_CALL(*mock, create_job("wf-1", "proj-1", _)).WillOnce(Return(job("queued")));
    EXPECT_CALL(*mock, get_job("wf-1", "job-7", _))
        .WillOnce(Return(job("running")))
        .WillOnce(Return(job("running")))
        .WillOnce(Return(job("completed")));
    pixxel::DownloadLink link;
    link.status = "pending";
    EXPECT_CALL(*mock, download_job("wf-1", "job-7", _)).WillOnce(Return(link));
  }
  pixxel::PixxelClient client(mock);
  EXPECT_EQ(run_workflow(client, "wf-1", "proj-1"), "job-7: completed, archive pending");
}

TEST(RunWorkflowTest, AFailedJobIsReportedWithoutADownload) {
  auto mock = std::make_shared<pixxel::mocks::MockConnection>();
  EXPECT_CALL(*mock, create_job(_, _, _)).WillOnce(Return(job("queued")));
  EXPECT_CALL(*mock, get_job(_, _, _)).WillOnce(Return(job("failed")));
  EXPECT_CALL(*mock, download_job(_, _, _)).Times(0);
  pixxel::PixxelClient client(mock);
  EXPECT_EQ(run_workflow(client, "wf-1", "proj-1"), "job-7: failed");
}

TEST(RunWorkflowTest, AnApiErrorReachesTheCaller) {
  auto mock = std::make_shared<pixxel::mocks::MockConnection>();
  EXPECT_CALL(*mock, create_job(_, _, _))
      .WillOnce(::testing::Throw(pixxel::PermissionDeniedError(403, "forbidden", "no access",
                                                               nullptr, "", "", std::nullopt)));
  pixxel::PixxelClient client(mock);
  EXPECT_THROW(run_workflow(client, "wf-1", "proj-1"), pixxel::PermissionDeniedError);
}

}  // namespace
