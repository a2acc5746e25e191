#include "pixxel/errors.hpp"

#include <utility>

namespace pixxel {
namespace {

std::string decode_what(const std::string& path, const std::string& reason, int status_code,
                        const std::string& request_id) {
  std::string what = "cannot decode the answer";
  what += path.empty() ? std::string(" as a whole") : " at `" + path + "`";
  what += ": " + reason;
  if (status_code != 0 || !request_id.empty()) {
    what += " (";
    if (status_code != 0) what += "HTTP " + std::to_string(status_code);
    if (status_code != 0 && !request_id.empty()) what += ", ";
    if (!request_id.empty()) what += "request id " + request_id;
    what += ")";
  }
  return what;
}

std::string api_what(int status_code, const std::string& code, const std::string& message,
                     const std::string& request_id) {
  std::string what = "Pixxel API error " + std::to_string(status_code);
  if (!code.empty()) what += " " + code;
  if (!message.empty()) what += ": " + message;
  if (!request_id.empty()) what += " (request id " + request_id + ")";
  return what;
}

}  // namespace

DecodeError::DecodeError(std::string path, std::string reason, int status_code,
                         std::string request_id)
    : Error(decode_what(path, reason, status_code, request_id)),
      path_(std::move(path)),
      reason_(std::move(reason)),
      status_code_(status_code),
      request_id_(std::move(request_id)) {}

ApiError::ApiError(int status_code, std::string code, std::string message, nlohmann::json details,
                   std::string body, std::string request_id,
                   std::optional<std::chrono::milliseconds> retry_after)
    : Error(api_what(status_code, code, message, request_id)),
      status_code_(status_code),
      code_(std::move(code)),
      message_(std::move(message)),
      details_(std::move(details)),
      body_(std::move(body)),
      request_id_(std::move(request_id)),
      retry_after_(retry_after) {}

}  // namespace pixxel
