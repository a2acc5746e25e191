// The mock's answers: JSON, and the documented error body.
#pragma once

#include <httplib.h>

#include <string>

#include "encoding.hpp"

namespace pixxel::mock::detail {

void send_json(httplib::Response& res, int status, const json& body);

// {"error": {"code": <reason code of status>, "message": ..., "details": null}}
void send_error(httplib::Response& res, int status, const std::string& message);

}  // namespace pixxel::mock::detail
