// save_download over the real libcurl transport against scripted servers on 127.0.0.1:
// transfers that break and are resumed or restarted, objects that change between attempts,
// short bodies, and files and symlinks that are already at the destination.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pixxel/pixxel.hpp"
#include "support/test_server.hpp"

namespace pixxel {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using testing::ScriptedServer;

// A ScriptedServer that keeps every raw request and answers by the request's index.
class RecordingServer {
 public:
  using Answer = std::function<std::string(std::size_t index, const std::string& request)>;

  explicit RecordingServer(Answer answer)
      : answer_(std::move(answer)), server_([this](const std::string& request) {
          std::size_t index = 0;
          {
            std::lock_guard<std::mutex> lock(mutex_);
            index = requests_.size();
            requests_.push_back(request);
          }
          return answer_(index, request);
        }) {}

  std::string url() const { return server_.url(); }
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  Answer answer_;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  ScriptedServer server_;  // last: its thread uses the members above
};

// The value of a header in a raw request, or "" when it has none.
std::string header_of(const std::string& request, const std::string& name) {
  return testing::raw_header(request, name).value_or("");
}

std::size_t range_requests(const std::vector<std::string>& requests) {
  return static_cast<std::size_t>(
      std::count_if(requests.begin(), requests.end(),
                    [](const auto& r) { return !header_of(r, "Range").empty(); }));
}

// Binary content that differs with `seed`, so that a stitched file shows.
std::string content(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    out[i] = static_cast<char>((i * 131 + seed * 7 + i / 251) & 0xff);
  return out;
}

struct Object {
  std::string bytes;
  std::string etag;  // quoted
};

// How a scripted file server behaves.
struct Serving {
  bool accept_ranges = true;       // says Accept-Ranges: bytes
  bool honour_range = true;        // answers Range with 206
  bool honour_if_range = true;     // false: sends the range asked for whatever If-Range says
  std::optional<std::size_t> cut;  // closes the connection after this many bytes of body
};

Serving cut_after(std::size_t bytes) {
  Serving how;
  how.cut = bytes;
  return how;
}

// An answer to `request` for `object` as a file server would give it (RFC 9110 ranges).
std::string serve(const Object& object, const std::string& request, Serving how = {}) {
  const std::string range = header_of(request, "Range");
  const std::string if_range = header_of(request, "If-Range");
  const bool partial = how.honour_range && range.rfind("bytes=", 0) == 0 &&
                       (!how.honour_if_range || if_range.empty() || if_range == object.etag);
  const std::size_t first = partial ? std::stoul(range.substr(6)) : 0;
  std::string body = object.bytes.substr(first);
  std::string head = partial ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (partial) {
    head += "Content-Range: bytes " + std::to_string(first) + "-" +
            std::to_string(object.bytes.size() - 1) + "/" + std::to_string(object.bytes.size()) +
            "\r\n";
  }
  if (how.accept_ranges) head += "Accept-Ranges: bytes\r\n";
  head += "ETag: " + object.etag + "\r\nContent-Type: application/zip\r\n\r\n";
  if (how.cut) body.resize(std::min(*how.cut, body.size()));
  return head + body;
}

// A progress report: received, total.
using Progress = std::pair<std::uint64_t, std::uint64_t>;

class DownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/pixxel-download-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static PixxelClient client(int max_retries = 3) {
    ClientOptions o;
    o.api_key = "download-key";
    o.base_url = "http://127.0.0.1:1";
    o.retry.max_retries = max_retries;
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 1ms;
    return PixxelClient(o);
  }
  static DownloadLink link(const RecordingServer& server) {
    DownloadLink link;
    link.status = "ready";
    link.signed_url = server.url() + "/archive.zip?sig=SIGNATURE";
    return link;
  }
  std::string path(const std::string& name = "out.zip") const { return dir_ + "/" + name; }
  std::set<std::string> entries() const {
    std::set<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      out.insert(entry.path().filename().string());
    }
    return out;
  }
  static std::string read(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void plant(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
  }
  void plant_symlink(const std::string& name, const std::string& target) const {
    ASSERT_EQ(::symlink(path(target).c_str(), path(name).c_str()), 0);
  }
  bool is_symlink(const std::string& name) const {
    return std::filesystem::is_symlink(std::filesystem::symlink_status(path(name)));
  }

  // Records each progress report, and checks that the temporary file holds exactly the bytes
  // reported, never more than the total.
  SaveOptions watched(std::vector<Progress>& reports) const {
    SaveOptions save;
    save.on_progress = [&reports, part = path("out.zip.part")](const DownloadProgress& p) {
      reports.emplace_back(p.received, p.total);
      std::error_code error;
      EXPECT_EQ(std::filesystem::file_size(part, error), p.received);
      EXPECT_FALSE(error) << error.message();
      EXPECT_LE(p.received, p.total);
    };
    return save;
  }

  std::string dir_;
};

TEST_F(DownloadTest, ATransferCutOnceIsResumedWithOneRangeRequest) {
  const Object object{content(200000, 1), "\"v1\""};
  RecordingServer server([&](std::size_t index, const std::string& request) {
    return index == 0 ? serve(object, request, cut_after(100000)) : serve(object, request);
  });
  std::vector<Progress> reports;
  EXPECT_EQ(client().save_download(link(server), path(), watched(reports)), 200000u);

  EXPECT_EQ(read(path()), object.bytes);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(range_requests(requests), 1u);
  EXPECT_EQ(header_of(requests[0], "Range"), "");
  EXPECT_EQ(header_of(requests[1], "Range"), "bytes=100000-");
  EXPECT_EQ(header_of(requests[1], "If-Range"), "\"v1\"");
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back(), (Progress{200000, 200000}));
  for (std::size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GE(reports[i].first, reports[i - 1].first);
  }
  EXPECT_EQ(entries(), std::set<std::string>{"out.zip"});
}

TEST_F(DownloadTest, AServerThatIgnoresRangeIsReadAgainFromTheStart) {
  const Object object{content(200000, 2), "\"v1\""};
  RecordingServer server([&](std::size_t index, const std::string& request) {
    // It says it serves ranges, then answers every request with the whole object.
    Serving how = cut_after(index == 0 ? 100000 : 200000);
    how.honour_range = false;
    return serve(object, request, how);
  });
  std::vector<Progress> reports;
  EXPECT_EQ(client().save_download(link(server), path(), watched(reports)), 200000u);

  EXPECT_EQ(read(path()), object.bytes);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(header_of(requests[1], "Range"), "bytes=100000-");
  // The restart is reported as it happens: back to what the file holds, nothing.
  EXPECT_THAT(reports, Contains(Progress{0, 200000}));
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back(), (Progress{200000, 200000}));
  EXPECT_EQ(entries(), std::set<std::string>{"out.zip"});
}

TEST_F(DownloadTest, AnObjectThatChangedBetweenAttemptsIsNotStitched) {
  const Object old_object{content(200000, 3), "\"v1\""};
  const Object new_object{content(150000, 4), "\"v2\""};
  RecordingServer server([&](std::size_t index, const std::string& request) {
    if (index == 0) return serve(old_object, request, cut_after(100000));
    return serve(new_object, request);  // If-Range "v1" does not match: all of v2
  });
  EXPECT_EQ(client().save_download(link(server), path()), 150000u);

  EXPECT_EQ(read(path()), new_object.bytes);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(header_of(requests[1], "If-Range"), "\"v1\"");
  EXPECT_EQ(entries(), std::set<std::string>{"out.zip"});
}

TEST_F(DownloadTest, APartOfAChangedObjectIsRefusedAndTheObjectReadAgain) {
  const Object old_object{content(200000, 5), "\"v1\""};
  const Object new_object{content(200000, 6), "\"v2\""};
  RecordingServer server([&](std::size_t index, const std::string& request) {
    if (index == 0) return serve(old_object, request, cut_after(100000));
    // A server that ignores If-Range sends the new object's tail, with its new ETag.
    Serving how;
    how.honour_if_range = false;
    return serve(new_object, request, how);
  });
  EXPECT_EQ(client().save_download(link(server), path()), 200000u);

  EXPECT_EQ(read(path()), new_object.bytes);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(header_of(requests[1], "Range"), "bytes=100000-");
  EXPECT_EQ(header_of(requests[2], "Range"), "");
  EXPECT_EQ(entries(), std::set<std::string>{"out.zip"});
}

TEST_F(DownloadTest, APartThatStopsShortIsResumedFromWhereItStopped) {
  const Object object{content(200000, 7), "\"v1\""};
  RecordingServer server([&](std::size_t index, const std::string& request) {
    if (index == 0) return serve(object, request, cut_after(100000));
    if (index == 1) {
      // A complete answer for less than was asked: bytes 100000-149999 only.
      const std::string part = object.bytes.substr(100000, 50000);
      return "HTTP/1.1 206 Partial Content\r\nContent-Length: 50000\r\nContent-Range: bytes "
             "100000-149999/200000\r\nETag: \"v1\"\r\n\r\n" +
             part;
    }
    return serve(object, request);
  });
  EXPECT_EQ(client().save_download(link(server), path()), 200000u);

  EXPECT_EQ(read(path()), object.bytes);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(header_of(requests[2], "Range"), "bytes=150000-");
}

TEST_F(DownloadTest, ATransferCutOnEveryAttemptFailsAndLeavesNothing) {
  const Object object{content(200000, 8), "\"v1\""};
  RecordingServer server([&](std::size_t, const std::string& request) {
    return serve(object, request, cut_after(30000));  // each attempt gets a little further
  });
  EXPECT_THROW(client(2).save_download(link(server), path()), TransportError);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(header_of(requests[1], "Range"), "bytes=30000-");
  EXPECT_EQ(header_of(requests[2], "Range"), "bytes=60000-");
  EXPECT_TRUE(entries().empty());
}

TEST_F(DownloadTest, ABodyShorterThanItsContentLengthIsAnErrorAndLeavesNothing) {
  RecordingServer server([](std::size_t, const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n") + std::string(400, 'x');
  });
  try {
    client(1).save_download(link(server), path());
    FAIL() << "expected TransportError";
  } catch (const TransportError& e) {
    EXPECT_THAT(e.what(), ::testing::Not(::testing::HasSubstr("SIGNATURE")));
  }
  // Without Accept-Ranges, the retry asks for everything again.
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(range_requests(requests), 0u);
  EXPECT_TRUE(entries().empty());
}

TEST_F(DownloadTest, ASymlinkAtTheTemporaryNameIsNeverFollowed) {
  const Object object{content(50000, 9), "\"v1\""};
  RecordingServer server(
      [&](std::size_t, const std::string& request) { return serve(object, request); });
  plant("victim", "precious");
  plant_symlink("out.zip.part", "victim");

  EXPECT_EQ(client().save_download(link(server), path()), 50000u);
  EXPECT_EQ(read(path()), object.bytes);
  EXPECT_FALSE(is_symlink("out.zip"));
  EXPECT_EQ(read(path("victim")), "precious");
  EXPECT_TRUE(is_symlink("out.zip.part"));  // not ours: left as it was
  EXPECT_EQ(entries(), (std::set<std::string>{"out.zip", "out.zip.part", "victim"}));
}

// What a killed download left is reclaimed, not piled up beside.
TEST_F(DownloadTest, APartFileLeftByAKilledDownloadIsReclaimed) {
  const Object object{content(50000, 11), "\"v1\""};
  RecordingServer server(
      [&](std::size_t, const std::string& request) { return serve(object, request); });
  plant("out.zip.part", "the head of another download");

  EXPECT_EQ(client().save_download(link(server), path()), 50000u);
  EXPECT_EQ(read(path()), object.bytes);  // nothing of the leftover stitched on
  EXPECT_EQ(entries(), (std::set<std::string>{"out.zip"}));
}

// A hard link at the temporary name may be another file's other name: never emptied.
TEST_F(DownloadTest, AHardLinkAtTheTemporaryNameIsLeftAlone) {
  const Object object{content(50000, 12), "\"v1\""};
  RecordingServer server(
      [&](std::size_t, const std::string& request) { return serve(object, request); });
  plant("victim", "precious");
  ASSERT_EQ(::link(path("victim").c_str(), path("out.zip.part").c_str()), 0);

  EXPECT_EQ(client().save_download(link(server), path()), 50000u);
  EXPECT_EQ(read(path("victim")), "precious");
  EXPECT_EQ(read(path("out.zip.part")), "precious");
  EXPECT_EQ(entries(), (std::set<std::string>{"out.zip", "out.zip.part", "victim"}));
}

TEST_F(DownloadTest, AFailedDownloadNeverTruncatesASymlinkedFile) {
  const Object object{content(50000, 10), "\"v1\""};
  RecordingServer server([&](std::size_t, const std::string& request) {
    Serving how = cut_after(1000);
    how.accept_ranges = false;
    return serve(object, request, how);
  });
  plant("victim", "precious");
  plant_symlink("out.zip.part", "victim");

  EXPECT_THROW(client(1).save_download(link(server), path()), TransportError);
  EXPECT_EQ(read(path("victim")), "precious");
  EXPECT_EQ(entries(), (std::set<std::string>{"out.zip.part", "victim"}));
}

TEST_F(DownloadTest, ASymlinkAtThePathIsAnExistingFile) {
  RecordingServer server([](std::size_t, const std::string&) { return std::string(); });
  plant("victim", "precious");
  plant_symlink("out.zip", "victim");
  plant_symlink("dangling.zip", "nothing-here");

  EXPECT_THROW(client().save_download(link(server), path()), InvalidArgumentError);
  EXPECT_THROW(client().save_download(link(server), path("dangling.zip")), InvalidArgumentError);
  EXPECT_TRUE(server.requests().empty());
  EXPECT_EQ(read(path("victim")), "precious");
  EXPECT_FALSE(std::filesystem::exists(path("nothing-here")));
  EXPECT_EQ(entries(), (std::set<std::string>{"dangling.zip", "out.zip", "victim"}));
}

TEST_F(DownloadTest, OverwriteReplacesASymlinkAtThePathNotItsTarget) {
  const Object object{content(50000, 11), "\"v1\""};
  RecordingServer server(
      [&](std::size_t, const std::string& request) { return serve(object, request); });
  plant("victim", "precious");
  plant_symlink("out.zip", "victim");
  SaveOptions save;
  save.overwrite = true;

  EXPECT_EQ(client().save_download(link(server), path(), save), 50000u);
  EXPECT_FALSE(is_symlink("out.zip"));
  EXPECT_EQ(read(path()), object.bytes);
  EXPECT_EQ(read(path("victim")), "precious");
  EXPECT_EQ(entries(), (std::set<std::string>{"out.zip", "victim"}));
}

TEST_F(DownloadTest, AFileThatAppearsDuringTheDownloadIsNotReplaced) {
  const Object object{content(50000, 12), "\"v1\""};
  RecordingServer server([&](std::size_t, const std::string& request) {
    // After the check for an existing file, before the download is put in place.
    plant("out.zip", "written meanwhile");
    return serve(object, request);
  });

  EXPECT_THROW(client().save_download(link(server), path()), InvalidArgumentError);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(read(path()), "written meanwhile");
  EXPECT_EQ(entries(), std::set<std::string>{"out.zip"});
}

}  // namespace
}  // namespace pixxel
