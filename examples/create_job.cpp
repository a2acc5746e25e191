// Creates a job from a workflow and prints what came back.
//
//   PIXXEL_API_KEY=... create_job WORKFLOW_ID PROJECT_ID
//
// PIXXEL_BASE_URL points it elsewhere (for example at pixxel-mock-server). The exit code
// says which kind of error happened, with the codes of the pixxel CLI (tools/pixxel).

#include <exception>
#include <iomanip>
#include <iostream>

#include "pixxel/pixxel.hpp"

namespace {

// The pixxel CLI's exit codes, repeated here so that this example stands on its own.
enum ExitCode : int {
  kOk = 0,
  kUnexpected = 1,
  kUsage = 2,
  kConfiguration = 3,
  kInvalidArgument = 4,
  kAuthentication = 5,  // 401 and 403
  kNotFound = 6,
  kRateLimited = 7,
  kClientError = 8,  // any other 4xx, and answers outside 4xx/5xx
  kServerError = 9,
  kTransport = 10,
  kTimeout = 11,
  kBadAnswer = 12,  // DecodeError, ResponseTooLargeError
};

// Explains the current exception on stderr and returns its code; call inside a catch block.
// The most derived classes come first: TimeoutError is a TransportError, and so on.
int report_current_exception() {
  auto say = [](const char* kind, const std::exception& e) {
    std::cerr << "create_job: " << kind << ": " << e.what() << "\n";
  };
  try {
    throw;
  } catch (const pixxel::ConfigurationError& e) {
    say("configuration error", e);
    return kConfiguration;
  } catch (const pixxel::InvalidArgumentError& e) {
    say("invalid argument", e);
    return kInvalidArgument;
  } catch (const pixxel::AuthenticationError& e) {
    say("not authenticated (check PIXXEL_API_KEY)", e);
    return kAuthentication;
  } catch (const pixxel::PermissionDeniedError& e) {
    say("permission denied (check PIXXEL_API_KEY)", e);
    return kAuthentication;
  } catch (const pixxel::NotFoundError& e) {
    say("not found", e);
    return kNotFound;
  } catch (const pixxel::RateLimitError& e) {
    say("rate limited, try again later", e);
    return kRateLimited;
  } catch (const pixxel::ServerError& e) {
    say("server error, try again later", e);
    return kServerError;
  } catch (const pixxel::ApiError& e) {
    say("request rejected", e);
    return kClientError;
  } catch (const pixxel::TimeoutError& e) {
    say("timed out", e);
    return kTimeout;
  } catch (const pixxel::TransportError& e) {
    say("network error", e);
    return kTransport;
  } catch (const pixxel::DecodeError& e) {
    say("unexpected answer", e);
    return kBadAnswer;
  } catch (const pixxel::ResponseTooLargeError& e) {
    say("answer too large", e);
    return kBadAnswer;
  } catch (const std::exception& e) {
    say("error", e);
    return kUnexpected;
  } catch (...) {
    std::cerr << "create_job: unknown error\n";
    return kUnexpected;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " WORKFLOW_ID PROJECT_ID\n"
              << "The API key comes from PIXXEL_API_KEY, the server from PIXXEL_BASE_URL.\n";
    return kUsage;
  }
  try {
    pixxel::PixxelClient client;
    const pixxel::Job job = client.create_job(argv[1], argv[2]);

    std::cout << "job " << job.id << " (workflow " << job.workflow_id << "): " << job.status;
    if (auto progress = pixxel::parse_progress(job.progress)) {
      std::cout << ", " << *progress << "%";
    }
    std::cout << ", cost " << job.cost << " tokens, estimated " << job.estimated_duration << " s\n";
    for (const auto& error : job.val_errors) {
      std::cout << "  validation error in " << error.component_name << ": " << error.err << " "
                << error.reason << "\n";
    }
    std::cout << "  " << std::left << std::setw(20) << "TASK" << std::setw(12) << "STATUS"
              << std::setw(10) << "PROGRESS"
              << "DEPENDS ON\n";
    for (const auto& task : job.tasks) {
      std::string depends;
      for (const auto& id : task.depends_on) depends += (depends.empty() ? "" : ",") + id;
      std::cout << "  " << std::setw(20) << task.name << std::setw(12) << task.status
                << std::setw(10) << task.progress << (depends.empty() ? "-" : depends) << "\n";
    }
    return kOk;
  } catch (...) {
    return report_current_exception();
  }
}
