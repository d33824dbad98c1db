// `invitegate watch`: follows WatchJoinRequests, resuming by itself (client/cpp/watch.h), and
// prints one line per event (human or JSON). `invitegate parse-link`: the local link parser.
#include <atomic>
#include <csignal>
#include <ostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/cpp/cli/command.h"
#include "client/cpp/cli/output.h"
#include "client/cpp/watch.h"
#include "mtproto/engine/invite_link.h"
#include "nlohmann/json.hpp"

namespace invitegate::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

void OnSignal(int) { g_interrupted = 1; }

absl::StatusOr<v1::JoinRequestEventType> ParseType(const Invocation& inv, const std::string& t) {
  if (t == "created") return v1::JOIN_REQUEST_EVENT_TYPE_CREATED;
  if (t == "resolved") return v1::JOIN_REQUEST_EVENT_TYPE_RESOLVED;
  if (t == "pending-count") return v1::JOIN_REQUEST_EVENT_TYPE_PENDING_COUNT_CHANGED;
  return inv.Usage(absl::StrCat("--type: created, resolved or pending-count, not \"", t, "\""));
}

absl::Status Watch(Invocation& inv) {
  v1::WatchJoinRequestsRequest request;
  absl::StatusOr<std::string> account = inv.AccountName();
  if (!account.ok()) return account.status();
  request.set_account(*account);
  for (const std::string& chat : inv.args.GetAll("chat")) {
    absl::StatusOr<std::string> name = inv.ChatName(chat);
    if (!name.ok()) return name.status();
    request.add_chats(*name);
  }
  for (const std::string& link : inv.args.GetAll("link")) request.add_invite_links(link);
  for (const std::string& type : inv.args.GetAll("type")) {
    absl::StatusOr<v1::JoinRequestEventType> parsed = ParseType(inv, type);
    if (!parsed.ok()) return parsed.status();
    request.add_event_types(*parsed);
  }
  if (inv.args.Has("snapshot") && inv.args.Has("resume-token")) {
    return inv.Usage("--snapshot and --resume-token exclude each other");
  }
  if (inv.args.Has("snapshot")) request.set_snapshot(true);
  if (inv.args.Has("resume-token")) request.set_resume_token(inv.args.Get("resume-token"));
  if (inv.args.Has("heartbeat")) {
    absl::Duration every;
    if (!absl::ParseDuration(inv.args.Get("heartbeat"), &every) || every < absl::Seconds(1)) {
      return inv.Usage("--heartbeat: a duration of at least 1s");
    }
    request.mutable_heartbeat_interval()->set_seconds(absl::ToInt64Seconds(every));
  }
  absl::StatusOr<int64_t> max_events = inv.IntFlag("max-events", 0);
  if (!max_events.ok()) return max_events.status();
  absl::StatusOr<int64_t> max_retries = inv.IntFlag("max-retries", 0);
  if (!max_retries.ok()) return max_retries.status();
  absl::Duration duration = absl::InfiniteDuration();
  if (inv.args.Has("for") && !absl::ParseDuration(inv.args.Get("for"), &duration)) {
    return inv.Usage("--for: a duration such as 30s or 5m");
  }
  const bool heartbeats = inv.args.Has("heartbeats");

  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  client::WatchOptions options;
  options.max_attempts = static_cast<int>(*max_retries);
  options.deliver_heartbeats = heartbeats;
  std::ostream& err = *inv.err;
  options.on_reconnect = [&err, json = inv.json](const absl::Status& why,
                                                 std::chrono::milliseconds delay,
                                                 const std::string& token) {
    if (json) return;  // stdout stays pure JSON lines; stderr stays quiet for scripts too
    err << "invitegate watch: stream ended ("
        << (why.ok() ? "closed by the server" : client::DescribeError(why)) << "); resuming "
        << (token.empty() ? "from the start" : "after the last event") << " in "
        << delay.count() << "ms\n";
  };
  std::unique_ptr<client::JoinRequestWatcher> watcher =
      (*client)->Watch(std::move(request), std::move(options));

  // Ctrl-C and --for stop the watch cleanly (exit 0).
  g_interrupted = 0;
  auto previous_int = std::signal(SIGINT, OnSignal);
  auto previous_term = std::signal(SIGTERM, OnSignal);
  std::atomic<bool> finished{false};
  std::thread stopper([&] {
    const absl::Time until = absl::Now() + duration;
    while (!finished.load() && !g_interrupted && absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    watcher->Cancel();
  });
  int64_t seen = 0;
  absl::Status status = watcher->Run([&](const v1::JoinRequestEvent& event) {
    if (inv.json) {
      PrintJson(*inv.out, event);
    } else {
      *inv.out << FormatEvent(event) << "\n";
    }
    inv.out->flush();
    if (!event.has_heartbeat()) ++seen;
    return *max_events == 0 || seen < *max_events;
  });
  finished = true;
  stopper.join();
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  if (!status.ok() && status.code() == absl::StatusCode::kOutOfRange) {
    return absl::Status(status.code(),
                        absl::StrCat(status.message(),
                                     " (the resume token expired: start again with --snapshot)"));
  }
  return status;
}

absl::Status ParseLink(Invocation& inv) {
  bool all_ok = true;
  for (const std::string& text : inv.args.positional()) {
    std::optional<std::string> hash = mtproto::engine::ParseInviteLink(text);
    std::optional<std::string> username =
        hash ? std::nullopt : mtproto::engine::ParsePublicLink(text);
    if (inv.json) {
      nlohmann::json line = {{"input", text}};
      if (hash) {
        line["kind"] = "invite";
        line["hash"] = *hash;
        line["url"] = mtproto::engine::InviteLinkForHash(*hash);
      } else if (username) {
        line["kind"] = "public";
        line["username"] = *username;
      } else {
        line["kind"] = "none";
      }
      *inv.out << line.dump() << "\n";
    } else if (hash) {
      *inv.out << "invite  hash " << *hash << "  " << mtproto::engine::InviteLinkForHash(*hash)
               << "\n";
    } else if (username) {
      *inv.out << "public  username " << *username << "\n";
    } else {
      *inv.out << "none    not a Telegram link: " << text << "\n";
    }
    all_ok &= hash.has_value() || username.has_value();
  }
  if (!all_ok) return absl::InvalidArgumentError("not every argument is a Telegram link");
  return absl::OkStatus();
}

}  // namespace

void AddWatchCommand(std::vector<CommandSpec>& commands) {
  commands.push_back(
      {"watch", "follow join-request events as they happen, resuming by itself", "",
       "Prints one line per event (--json: one JSON object per line, each with its\n"
       "resume_token). When the stream breaks (server restart, slow consumer) it reconnects\n"
       "with the last token it saw, so no event is lost or repeated. Stops on Ctrl-C, after\n"
       "--max-events or --for (exit 0). An expired --resume-token exits 5: start again with\n"
       "--snapshot.",
       {{"chat", "CHAT", "only this chat (repeatable)", true},
        {"link", "LINK", "only requests through this link (repeatable)", true},
        {"type", "TYPE", "only created | resolved | pending-count events (repeatable)", true},
        {"snapshot", "", "first the pending requests, then live events"},
        {"resume-token", "TOKEN", "continue after the event that carried TOKEN"},
        {"heartbeat", "DURATION", "heartbeat interval asked of the server (default 30s)"},
        {"heartbeats", "", "print heartbeats too"},
        {"max-events", "N", "stop after N events"},
        {"for", "DURATION", "stop after DURATION"},
        {"max-retries", "N", "give up after N reconnections in a row without an event"}},
       0, 0, true, Watch});
}

void AddParseLinkCommand(std::vector<CommandSpec>& commands) {
  commands.push_back(
      {"parse-link", "recognize Telegram links (no server needed)", "TEXT...",
       "Prints for each TEXT: an invite link's hash (t.me/+HASH, t.me/joinchat/HASH,\n"
       "telegram.me, telegram.dog, tg://join?invite=HASH, +HASH), a public link's username\n"
       "(t.me/name, tg://resolve?domain=name), or \"none\" (then exits 7).",
       {}, 1, -1, false, ParseLink});
}

}  // namespace invitegate::cli
