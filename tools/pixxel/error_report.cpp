#include "error_report.hpp"

#include <iostream>

namespace pixxel_cli {

std::string error_json(const ErrorReport& report) {
  using Json = nlohmann::ordered_json;  // "type" first, as documented
  auto or_null = [](const std::string& text) { return text.empty() ? Json() : Json(text); };
  Json error = {{"type", report.type},
                {"status", report.status ? Json(*report.status) : Json()},
                {"code", or_null(report.code)},
                {"message", report.message},
                {"request_id", or_null(report.request_id)}};
  if (report.retry_after) {
    const auto ms = report.retry_after->count();
    error["retry_after"] = ms % 1000 == 0 ? Json(ms / 1000) : Json(static_cast<double>(ms) / 1000);
  }
  if (!report.job_id.empty()) error["job_id"] = report.job_id;
  if (report.candidates) error["candidates"] = *report.candidates;
  if (!report.hints.empty()) error["hints"] = report.hints;
  // Text from the server need not be UTF-8; dump() would throw on it.
  return Json{{"error", error}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

int print_error(const char* program, const ErrorReport& report, bool json) {
  if (json) {
    std::cerr << error_json(report) << "\n";
  } else {
    std::string text = report.message;
    // The server's words must not move the cursor or change the terminal's state.
    for (char& c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) c = '?';
    }
    std::cerr << program << ": " << text << "\n";
    for (const std::string& hint : report.hints) std::cerr << program << ": " << hint << "\n";
  }
  std::cerr << std::flush;
  return report.exit_code;
}

}  // namespace pixxel_cli
