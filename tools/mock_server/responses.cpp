#include "responses.hpp"

namespace pixxel::mock::detail {
namespace {

const char* reason_code(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 429:
      return "too_many_requests";
    case 500:
      return "internal_server_error";
    case 503:
      return "service_unavailable";
    default:
      return "error";
  }
}

}  // namespace

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // With a parameter the type is not one httplib compresses: its brotli runs at the highest
  // quality, which costs ~40 ms of server CPU per job and would make the mock slow.
  res.set_content(dump(body), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(
      res, status,
      {{"error", {{"code", reason_code(status)}, {"message", message}, {"details", nullptr}}}});
}

}  // namespace pixxel::mock::detail
