// The job models' adapters and answers. Their fields are named in jobs_schema.hpp alone.

#include "pixxel/jobs.hpp"

#include <string_view>
#include <utility>
#include <vector>

#include "decode/decode.hpp"
#include "models/adapters.hpp"
#include "models/jobs_schema.hpp"
#include "pixxel/download.hpp"

namespace pixxel {

PIXXEL_MODEL_ADAPTERS(BlockInfo)
PIXXEL_MODEL_ADAPTERS(ValError)
PIXXEL_MODEL_ADAPTERS(Task)
PIXXEL_MODEL_ADAPTERS(Job)
PIXXEL_MODEL_ADAPTERS(DownloadLink)

namespace internal {

Job decode_job(std::string_view body, std::string_view secret) {
  return decode_body<Job>(body, secret);
}

DownloadLink decode_download_link(std::string_view body, std::string_view secret) {
  return decode_body<DownloadLink>(body, secret);
}

std::vector<Job> decode_job_list(std::string_view body, std::string_view secret) {
  return std::move(decode_body<JobListDraft>(body, secret).jobs);
}

}  // namespace internal
}  // namespace pixxel
