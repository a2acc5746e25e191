#include "zip.hpp"

#include <array>
#include <limits>
#include <stdexcept>

#include "time_format.hpp"

namespace pixxel::mock::detail {
namespace {

void put16(std::string& out, std::uint32_t value) {
  out += static_cast<char>(value & 0xFF);
  out += static_cast<char>(value >> 8 & 0xFF);
}

void put32(std::string& out, std::uint32_t value) {
  put16(out, value & 0xFFFF);
  put16(out, value >> 16);
}

std::uint32_t checked_u32(std::size_t value) {
  if (value > std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("ZIP64 is not supported");
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace

std::uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < t.size(); ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) crc = table[(crc ^ static_cast<unsigned char>(c)) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

// Layout per PKWARE's APPNOTE.TXT, sections 4.3.7 (local header), 4.3.12 (central
// directory) and 4.3.16 (end record); no data descriptors, no ZIP64.
std::string make_stored_zip(const std::vector<ZipEntry>& entries, std::time_t modified) {
  if (entries.size() > 0xFFFF) throw std::length_error("too many ZIP entries");
  const std::tm tm = utc_calendar(modified);
  const bool before_dos_epoch = tm.tm_year < 80;
  const auto dos_time =
      before_dos_epoch
          ? 0u
          : static_cast<std::uint32_t>(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
  const auto dos_date =
      before_dos_epoch
          ? static_cast<std::uint32_t>(1 << 5 | 1)
          : static_cast<std::uint32_t>((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
  constexpr std::uint32_t kVersionNeeded = 10;             // 1.0: stored entries
  constexpr std::uint32_t kVersionMadeBy = 3u << 8 | 20u;  // Unix, 2.0
  constexpr std::uint32_t kUtf8Names = 1u << 11;

  std::string out;
  std::string central;
  for (const ZipEntry& entry : entries) {
    const std::uint32_t offset = checked_u32(out.size());
    const std::uint32_t crc = crc32(entry.data);
    const std::uint32_t size = checked_u32(entry.data.size());
    const std::uint32_t name_size = checked_u32(entry.name.size());

    put32(out, 0x04034b50);
    put16(out, kVersionNeeded);
    put16(out, kUtf8Names);
    put16(out, 0);  // stored
    put16(out, dos_time);
    put16(out, dos_date);
    put32(out, crc);
    put32(out, size);
    put32(out, size);
    put16(out, name_size);
    put16(out, 0);
    out += entry.name;
    out += entry.data;

    put32(central, 0x02014b50);
    put16(central, kVersionMadeBy);
    put16(central, kVersionNeeded);
    put16(central, kUtf8Names);
    put16(central, 0);
    put16(central, dos_time);
    put16(central, dos_date);
    put32(central, crc);
    put32(central, size);
    put32(central, size);
    put16(central, name_size);
    put16(central, 0);               // extra field
    put16(central, 0);               // comment
    put16(central, 0);               // disk number
    put16(central, 0);               // internal attributes
    put32(central, 0100644u << 16);  // external attributes: a regular file, rw-r--r--
    put32(central, offset);
    central += entry.name;
  }
  const std::uint32_t central_offset = checked_u32(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put16(out, static_cast<std::uint32_t>(entries.size()));
  put32(out, checked_u32(central.size()));
  put32(out, central_offset);
  put16(out, 0);
  return out;
}

}  // namespace pixxel::mock::detail
