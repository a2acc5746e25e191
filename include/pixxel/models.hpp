#ifndef PIXXEL_MODELS_HPP_
#define PIXXEL_MODELS_HPP_

/// @file
/// Every model the Pixxel API answers with, and their JSON adapters: jobs and download
/// links (`pixxel/jobs.hpp`, `pixxel/download.hpp`), workflows and cost estimates
/// (`pixxel/workflows.hpp`), projects (`pixxel/projects.hpp`).
///
/// All follow the same rules: plain aggregates whose fields are named as the JSON keys, with
/// `operator==`, and `to_json`/`from_json` found by argument-dependent lookup. Decoding is
/// lenient and lossless (see `pixxel/jobs.hpp`).

#include "pixxel/download.hpp"   // IWYU pragma: export
#include "pixxel/jobs.hpp"       // IWYU pragma: export
#include "pixxel/projects.hpp"   // IWYU pragma: export
#include "pixxel/workflows.hpp"  // IWYU pragma: export

#endif  // PIXXEL_MODELS_HPP_
