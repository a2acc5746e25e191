// The user's own code: runs a workflow to its end and says how it went.
#pragma once

#include <string>

#include <pixxel/pixxel.hpp>

// Creates a job, waits for it, and returns "<job id>: <status>" (with the download link's
// status when the job completed).
std::string run_workflow(pixxel::PixxelClient& client, const std::string& workflow_id,
                         const std::string& project_id);
