// The emulator's UpdateHub: numbers every published update in its box, appends it to a durable
// SQLite log (<state_dir>/updates.sqlite, 0600) with its serialized bytes, then pushes it. The
// log is bounded per box (entries and age), so a client that has been away for too long gets
// Telegram's too-long answers instead of a silently partial difference.
// Spec: https://core.telegram.org/api/updates (pts, qts, seq, date; getDifference;
// getChannelDifference; recovering gaps)
//
// Boxes, per account: the common box (pts, starting at 1), the secondary box (qts, starting at 0:
// bot events) and the seq stream (seq, starting at 0: updates without pts/qts); per channel: the
// channel's pts (starting at 1). Pushes of pts and qts updates go out as updates#74ae4240 with
// seq 0 (apply by pts/qts, not by seq); a PublishSeq call takes the next seq.
//
// getDifference pages the common and secondary boxes; the seq stream is selected by date, the
// only seq position a client sends back: entries dated at or after the client's date. Dates have
// one-second granularity, so to make that exact each seq entry is positioned no earlier than any
// date already handed out in a state, and a state's date is later than the newest seq entry's
// (under bursts a state's date may run a few seconds ahead of the clock). Seq entries go in the
// last page only, so a slice never moves the client's date past them.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mtproto/emulator/rpc.h"
#include "mtproto/emulator/update_hub.h"

namespace mtproto::store {
class SqliteDatabase;
}  // namespace mtproto::store

namespace mtproto::emulator {

struct UpdateLogOptions {
  // Entries kept per box (an account's pts, qts and seq boxes, a channel's box).
  int max_entries_per_box = 10'000;
  // Entries older than this are dropped (when their box is next written).
  absl::Duration max_age = absl::Hours(24 * 7);
  // The most pts (or qts) entries one updates.getDifference page carries, unless the client asks
  // for fewer with pts_limit / qts_limit.
  int difference_page = 1000;
  // channelDifference's `timeout`: how long a client may wait before asking again.
  int channel_timeout_seconds = 30;
};

// See the file comment. Not thread-safe: the emulator uses it from its I/O thread.
class UpdateLog final : public UpdateHub {
 public:
  // Opens (creating if needed) <state_dir>/updates.sqlite.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<UpdateLog>> Open(
      const std::filesystem::path& state_dir, Clock clock, UpdateLogOptions options = {});
  ~UpdateLog() override;
  UpdateLog(const UpdateLog&) = delete;
  UpdateLog& operator=(const UpdateLog&) = delete;

  [[nodiscard]] absl::Status PublishPts(int64_t user_id, tl::ObjectPtr<tl::api::Update> update,
                                        int pts_count, UpdateEntities entities) override;
  [[nodiscard]] absl::Status PublishQts(int64_t user_id, tl::ObjectPtr<tl::api::Update> update,
                                        UpdateEntities entities) override;
  [[nodiscard]] absl::Status PublishSeq(int64_t user_id,
                                        std::vector<tl::ObjectPtr<tl::api::Update>> updates,
                                        UpdateEntities entities) override;
  [[nodiscard]] absl::Status PublishChannel(
      int64_t channel_id, tl::ObjectPtr<tl::api::Update> update, int pts_count,
      const std::vector<int64_t>& recipients,
      const std::function<UpdateEntities(int64_t recipient)>& entities_for) override;
  [[nodiscard]] int32_t ChannelPts(int64_t channel_id) override;
  void SetDeliver(Deliver deliver) override { deliver_ = std::move(deliver); }

  [[nodiscard]] absl::StatusOr<tl::ObjectPtr<tl::api::updates_state>> State(
      int64_t user_id) override;
  [[nodiscard]] absl::StatusOr<tl::ObjectPtr<tl::api::updates_Difference>> Difference(
      int64_t user_id, const tl::api::updates_getDifference& request) override;
  [[nodiscard]] absl::StatusOr<tl::ObjectPtr<tl::api::updates_ChannelDifference>>
  ChannelDifference(int64_t user_id, int64_t channel_id, int32_t pts, int32_t limit) override;

  // Sets the pts/qts field of a known constructor (false for others): exposed for tests.
  static bool SetPts(tl::api::Update& update, int32_t pts, int32_t pts_count);
  static bool SetQts(tl::api::Update& update, int32_t qts);

 private:
  struct Counters;
  struct Entry;

  UpdateLog(std::unique_ptr<store::SqliteDatabase> db, Clock clock, UpdateLogOptions options);

  int32_t Now() const { return static_cast<int32_t>(absl::ToUnixSeconds(clock_())); }
  [[nodiscard]] absl::StatusOr<Counters> LoadAccount(int64_t user_id);
  // The date for a state handed out now (see the file comment); records it.
  [[nodiscard]] absl::StatusOr<int32_t> IssueDate(int64_t user_id, Counters& counters);
  [[nodiscard]] absl::Status SaveAccount(int64_t user_id, const Counters& counters);
  [[nodiscard]] absl::StatusOr<Counters> LoadChannel(int64_t channel_id);
  [[nodiscard]] absl::Status SaveChannel(int64_t channel_id, const Counters& counters);
  // Appends one entry; returns its row id.
  [[nodiscard]] absl::StatusOr<int64_t> Append(int64_t owner, int box, int32_t counter,
                                               int32_t count, int32_t date,
                                               const std::string& updates,
                                               const std::string& entities);
  // Drops the box's entries beyond the bounds; returns the highest counter dropped (0: none).
  [[nodiscard]] absl::StatusOr<int32_t> Trim(int64_t owner, int box);
  [[nodiscard]] absl::StatusOr<std::vector<Entry>> Load(int64_t owner, int box, int32_t after,
                                                        int limit, bool by_date);
  // Publishes under one transaction: `body` numbers, appends and trims; pushes after commit.
  [[nodiscard]] absl::Status InTransaction(const std::function<absl::Status()>& body);
  void Push(int64_t user_id, std::vector<tl::ObjectPtr<tl::api::Update>> updates,
            UpdateEntities entities, int32_t date, int32_t seq);

  std::unique_ptr<store::SqliteDatabase> db_;
  Clock clock_;
  UpdateLogOptions options_;
  Deliver deliver_;
};

}  // namespace mtproto::emulator
