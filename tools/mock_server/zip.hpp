// The ZIP archives that signed URLs serve. Private to the mock (not installed); the tests
// include it to check the format.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace pixxel::mock::detail {

/// CRC-32 (ISO-HDLC, as in ZIP and zlib).
std::uint32_t crc32(std::string_view data);

struct ZipEntry {
  std::string name;
  std::string data;
};

/// A ZIP archive with the entries stored uncompressed, all dated `modified` (UTC).
std::string make_stored_zip(const std::vector<ZipEntry>& entries, std::time_t modified);

}  // namespace pixxel::mock::detail
