// Shared by the ledger and hub tests: a fresh directory per test, a settable clock, and short
// constructors for events.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "service/ledger/event.h"

namespace invitegate::ledger::testing {

// A directory under the test temp dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            absl::StrCat("ledger_", info->test_suite_name(), "_", info->name(), "_", ::getpid());
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path File(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The ledger's and hub's clock in tests: starts at a fixed date, moves only when told.
class FakeClock {
 public:
  absl::Time Now() const { return absl::FromUnixMillis(ms_.load()); }
  void Advance(absl::Duration d) { ms_ += absl::ToInt64Milliseconds(d); }
  auto AsFunction() {
    return [this] { return Now(); };
  }

 private:
  std::atomic<int64_t> ms_{1'700'000'000'000};
};

inline Event MakeEvent(EventType type, std::string account, int64_t chat, int64_t user,
                       std::string link = "", std::string key = "") {
  Event e;
  e.type = type;
  e.account = std::move(account);
  e.chat_id = chat;
  e.user_id = user;
  e.link = std::move(link);
  e.user_name = absl::StrCat("User ", user);
  e.username = absl::StrCat("user", user);
  e.date = 1'700'000'000 + user;
  e.idempotency_key = std::move(key);
  return e;
}

inline Event Created(std::string account, int64_t chat, int64_t user, std::string link = "") {
  Event e = MakeEvent(EventType::kRequestCreated, account, chat, user, link,
                      absl::StrCat(account, ":", chat, ":", user, ":created:", link));
  e.about = absl::StrCat("let me in, I am ", user);
  return e;
}

}  // namespace invitegate::ledger::testing
