#ifndef PIXXEL_MOCKS_MOCK_CONNECTION_HPP_
#define PIXXEL_MOCKS_MOCK_CONNECTION_HPP_

/// @file
/// `pixxel::mocks::MockConnection`: a gmock mock of `pixxel::Connection`, for testing code
/// that uses a `PixxelClient` without a server. Needs gmock (only where it is included).
///
/// @code
/// auto mock = std::make_shared<pixxel::mocks::MockConnection>();
/// pixxel::Job done;
/// done.status = "completed";
/// EXPECT_CALL(*mock, get_job("wf", "job", ::testing::_)).WillOnce(::testing::Return(done));
/// pixxel::PixxelClient client(mock);
/// EXPECT_EQ(client.get_job("wf", "job").status, "completed");
/// @endcode

#include <cstdint>
#include <future>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>

#include "pixxel/connection.hpp"

namespace pixxel::mocks {

/// A `Connection` whose every call is a `MOCK_METHOD`. `options()` and `wait_for_job_async`
/// keep `Connection`'s defaults, so `wait_for_job(_async)` poll the mocked `get_job`, and
/// `list_all_workflows` pages through the mocked `list_workflows`. `save_download` is mocked
/// like every call: it makes no request and writes no file unless an action of yours does.
///
/// @par Thread Safety
/// As gmock mocks are: calls may come from any thread; set expectations before the calls.
class MockConnection : public Connection {
 public:
  MOCK_METHOD(Job, create_job,
              (std::string_view workflow_id, std::string_view project_id,
               const CallOptions& options),
              (override));
  MOCK_METHOD(Job, get_job,
              (std::string_view workflow_id, std::string_view job_id, const CallOptions& options),
              (override));
  MOCK_METHOD(std::vector<Job>, list_jobs,
              (std::string_view workflow_id, const ListJobsQuery& query,
               const CallOptions& options),
              (override));
  MOCK_METHOD(DownloadLink, download_job,
              (std::string_view workflow_id, std::string_view job_id, const CallOptions& options),
              (override));
  MOCK_METHOD(DownloadLink, download_task,
              (std::string_view workflow_id, std::string_view job_id, std::string_view task_id,
               const CallOptions& options),
              (override));
  MOCK_METHOD(CostEstimate, estimate_cost,
              (std::string_view workflow_id, const CallOptions& options), (override));
  MOCK_METHOD(WorkflowPage, list_workflows,
              (const ListWorkflowsQuery& query, const CallOptions& options), (override));
  MOCK_METHOD(Workflow, get_workflow,
              (std::string_view workflow_id, std::string_view project_id,
               const CallOptions& options),
              (override));
  MOCK_METHOD(ProjectPage, list_projects,
              (const ListProjectsQuery& query, const CallOptions& options), (override));
  MOCK_METHOD(Project, get_project, (std::string_view project_id, const CallOptions& options),
              (override));
  MOCK_METHOD(std::string, ping, (const CallOptions& options), (override));
  MOCK_METHOD(std::future<Job>, create_job_async,
              (std::string_view workflow_id, std::string_view project_id,
               const CallOptions& options),
              (override));
  MOCK_METHOD(std::future<Job>, get_job_async,
              (std::string_view workflow_id, std::string_view job_id, const CallOptions& options),
              (override));
  MOCK_METHOD(std::uint64_t, save_download,
              (const DownloadLink& link, const std::string& path, const SaveOptions& save,
               const CallOptions& options),
              (override));
};

}  // namespace pixxel::mocks

#endif  // PIXXEL_MOCKS_MOCK_CONNECTION_HPP_
