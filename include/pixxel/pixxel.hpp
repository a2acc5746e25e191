#ifndef PIXXEL_PIXXEL_HPP_
#define PIXXEL_PIXXEL_HPP_

/// @file
/// Everything in the SDK, in one include.

#include "pixxel/call_options.hpp"
#include "pixxel/cancellation.hpp"
#include "pixxel/client.hpp"
#include "pixxel/connection.hpp"
#include "pixxel/curl_transport.hpp"
#include "pixxel/download.hpp"
#include "pixxel/errors.hpp"
#include "pixxel/http_version.hpp"
#include "pixxel/jobs.hpp"
#include "pixxel/list_jobs_query.hpp"
#include "pixxel/models.hpp"
#include "pixxel/options.hpp"
#include "pixxel/parse.hpp"
#include "pixxel/projects.hpp"
#include "pixxel/request_event.hpp"
#include "pixxel/transport.hpp"
#include "pixxel/version.hpp"
#include "pixxel/wait_options.hpp"
#include "pixxel/workflows.hpp"

#endif  // PIXXEL_PIXXEL_HPP_
