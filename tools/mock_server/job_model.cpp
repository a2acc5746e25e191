#include "job_model.hpp"

#include "time_format.hpp"

namespace pixxel::mock::detail {
namespace {

using std::chrono::microseconds;

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

}  // namespace

std::string JobRecord::timestamp(microseconds offset) const {
  return format_timestamp(wall(offset));
}

std::string JobRecord::task_status(std::size_t i, microseconds age) const {
  if (age < task_start(i)) return "queued";
  if (age < task_end(i)) return "running";
  return task_fails(i) ? "failed" : "completed";
}

int JobRecord::task_progress(std::size_t i, microseconds age) const {
  if (age < task_start(i)) return 0;
  if (age >= task_end(i) && !task_fails(i)) return 100;
  const microseconds ran = std::min(age, task_end(i)) - task_start(i);
  return slot().count() > 0 ? static_cast<int>(ran.count() * 100 / slot().count()) : 100;
}

std::string JobRecord::status(microseconds age) const {
  if (age >= finish()) return fails || rejected() ? "failed" : "completed";
  return age >= queue_time() ? "running" : "queued";
}

int JobRecord::progress(microseconds age) const {
  if (rejected()) return 0;
  if (age >= finish() && !fails) return 100;
  int sum = 0;
  for (std::size_t i = 0; i < kTaskCount; ++i) sum += task_progress(i, age);
  return sum / static_cast<int>(kTaskCount);
}

json render_job(const JobRecord& job, SteadyClock::time_point now, bool summary) {
  const microseconds age = job.age(now);
  const std::string status = job.status(age);
  const bool executing = !job.rejected() && age >= job.queue_time();
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
    for (std::size_t i = 0; i < kTaskCount && !job.rejected(); ++i) {
      tasks.push_back(render_task(job, i, age));
    }
    out["tasks"] = std::move(tasks);
    out["val_errors"] = job.val_errors;
    out["spec"] = {{"workflow_id", job.workflow_id}, {"project_id", job.project_id}};
  }
  out["cost"] = job.cost;
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

}  // namespace pixxel::mock::detail
