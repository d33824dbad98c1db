// interop_engine_admin: our engine as the admin of the seed's approval-gated flow, against a
// running emulator, while an independent client (mtcute_joiner.mjs) is the joining user.
// Driven by run_join_interop.py; see tests/interop/README.md.
// Spec: https://core.telegram.org/api/invites#join-requests
//
// Usage: interop_engine_admin READY_FILE --store PATH
//            (--phone PHONE --code CODE [--password PW] | --bot-token TOKEN)
//            [--step-timeout SECONDS] [COMMAND ...]
// Signs in (step admin.sign_in), then runs each COMMAND argument, or when there are none, one
// command per stdin line until `quit` or EOF:
//   create_link PEER        exportChatInvite(request_needed); prints "link" and "hash"
//   wait_requests PEER N    waits until the engine's join-event stream reported N requesters
//   list_pending PEER N     the pending requesters: getChatInviteImporters(requested) for a
//                           user admin; for a bot (which may not call it) the event stream's
//   approve_each PEER       hideChatJoinRequest(approved) for each one list_pending returned
//   verify PEER LINK N      user admin: usage N, none pending, N importers approved by us;
//                           bot: N "resolved" events (approved, by us) from the update stream
//   quit
// Prints one JSON line per command ({"client","step","ok","detail",...data}) and one
// {"client","event":{...}} line per join event. Exits 1 if any step failed.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mtproto/engine/engine.h"
#include "mtproto/engine/invites.h"
#include "mtproto/engine/join_events.h"
#include "mtproto/engine/rpc_error.h"
#include "mtproto/engine/telegram_config.h"
#include "nlohmann/json.hpp"

namespace {

using json = nlohmann::json;
using mtproto::engine::Deadline;
using mtproto::engine::JoinEvent;

struct Flags {
  std::string ready_file;
  std::string store;
  std::string phone;
  std::string code;
  std::string password;
  std::string bot_token;
  std::chrono::seconds step_timeout{20};
  std::vector<std::string> commands;
};

[[nodiscard]] std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (arg == "--store" && (v = value())) {
      flags.store = *v;
    } else if (arg == "--phone" && (v = value())) {
      flags.phone = *v;
    } else if (arg == "--code" && (v = value())) {
      flags.code = *v;
    } else if (arg == "--password" && (v = value())) {
      flags.password = *v;
    } else if (arg == "--bot-token" && (v = value())) {
      flags.bot_token = *v;
    } else if (arg == "--step-timeout" && (v = value())) {
      flags.step_timeout = std::chrono::seconds(std::atoi(v->c_str()));
    } else if (arg.starts_with("--")) {
      return std::nullopt;
    } else if (flags.ready_file.empty()) {
      flags.ready_file = arg;
    } else {
      flags.commands.push_back(arg);
    }
  }
  const bool user = !flags.phone.empty() && !flags.code.empty();
  if (flags.ready_file.empty() || flags.store.empty() || user == !flags.bot_token.empty()) {
    return std::nullopt;
  }
  return flags;
}

std::string Describe(const absl::Status& status) {
  std::optional<mtproto::engine::RpcError> rpc = mtproto::engine::GetRpcError(status);
  if (rpc) return "RPC error " + std::to_string(rpc->code) + " " + rpc->name;
  return status.ToString();
}

json EventJson(const JoinEvent& e) {
  json out = {{"kind", mtproto::engine::JoinEventKindName(e.kind)},
              {"chat_id", e.chat_id},
              {"user_id", e.user_id},
              {"date", e.date}};
  if (!e.link.empty()) out["link"] = e.link;
  if (!e.about.empty()) out["about"] = e.about;
  if (e.kind == JoinEvent::Kind::kRequestResolved) {
    out["outcome"] = e.outcome == JoinEvent::Outcome::kApproved   ? "approved"
                     : e.outcome == JoinEvent::Outcome::kDeclined ? "declined"
                                                                  : "unknown";
    out["by_user_id"] = e.by_user_id;
  }
  if (e.kind == JoinEvent::Kind::kPendingCountChanged) out["pending_count"] = e.pending_count;
  return out;
}

// A step failed: the message becomes the step's detail.
struct StepError {
  std::string message;
};

// The admin session: one engine, its InviteApi, and what the join-event stream delivered.
class Admin {
 public:
  explicit Admin(Flags flags) : flags_(std::move(flags)) {}
  // The engine goes first: its I/O thread runs the join-event sink, which uses the members below.
  ~Admin() {
    invites_.reset();
    engine_.reset();
  }

  // Prints a step line; `data` adds fields next to the standard ones.
  void Print(const std::string& step, bool ok, const std::string& detail, json data = {}) {
    if (!ok) failed_ = true;
    json line = {{"client", "engine-admin"}, {"step", step}, {"ok", ok}, {"detail", detail}};
    if (data.is_object()) line.update(data);
    std::lock_guard<std::mutex> lock(out_mutex_);
    std::cout << line.dump() << std::endl;
  }

  bool failed() const { return failed_; }

  // Creates the engine, subscribes to join events and signs in.
  [[nodiscard]] absl::Status Start() {
    absl::StatusOr<mtproto::engine::TelegramEndpoints> endpoints =
        mtproto::engine::EmulatorEndpointsFromReadyFile(flags_.ready_file);
    if (!endpoints.ok()) return endpoints.status();
    mtproto::engine::EngineOptions options;
    options.endpoints = *endpoints;
    options.api_id = 1;
    options.api_hash = "0123456789abcdef0123456789abcdef";
    options.device_model = "interop_engine_admin";
    options.store_path = flags_.store;
    options.reconnect.initial_backoff = std::chrono::milliseconds(50);
    options.reconnect.max_backoff = std::chrono::milliseconds(500);
    absl::StatusOr<std::unique_ptr<mtproto::engine::Engine>> engine =
        mtproto::engine::Engine::Create(options);
    if (!engine.ok()) return engine.status();
    engine_ = std::move(*engine);
    invites_ = std::make_unique<mtproto::engine::InviteApi>(*engine_);
    engine_->SubscribeJoinEvents([this](mtproto::engine::JoinEventBatch batch) {
      {
        std::lock_guard<std::mutex> lock(out_mutex_);
        for (const JoinEvent& e : batch.events) {
          std::cout << json({{"client", "engine-admin"}, {"event", EventJson(e)}}).dump()
                    << std::endl;
        }
      }
      {
        std::lock_guard<std::mutex> lock(events_mutex_);
        for (JoinEvent& e : batch.events) events_.push_back(std::move(e));
      }
      events_changed_.notify_all();
      engine_->AckJoinEvents(batch.id);  // nothing downstream to make durable
    });
    return absl::OkStatus();
  }

  std::string SignIn() {
    if (!flags_.bot_token.empty()) {
      absl::StatusOr<int64_t> id = engine_->SignInBot(flags_.bot_token);
      if (!id.ok()) throw StepError{"SignInBot: " + Describe(id.status())};
      is_bot_ = true;
      self_id_ = *id;
      return "bot id=" + std::to_string(*id) + " (auth.importBotAuthorization)";
    }
    if (absl::Status sent = engine_->SendCode(flags_.phone); !sent.ok()) {
      throw StepError{"SendCode: " + Describe(sent)};
    }
    absl::StatusOr<mtproto::engine::SignInStep> step = engine_->SignIn(flags_.code);
    if (!step.ok()) throw StepError{"SignIn: " + Describe(step.status())};
    if (*step == mtproto::engine::SignInStep::kPasswordNeeded) {
      if (absl::Status checked = engine_->CheckPassword(flags_.password); !checked.ok()) {
        throw StepError{"CheckPassword: " + Describe(checked)};
      }
    } else if (*step != mtproto::engine::SignInStep::kSignedIn) {
      throw StepError{"SignIn: the number has no account"};
    }
    absl::StatusOr<mtproto::store::AccountState> account = engine_->Account();
    if (!account.ok()) throw StepError{"Account: " + Describe(account.status())};
    self_id_ = account->user_id;
    return "user id=" + std::to_string(self_id_) + " (auth.sendCode + auth.signIn)";
  }

  // Runs one command line; returns false on `quit`.
  bool Run(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (words.empty()) return true;
    if (words[0] == "quit") return false;
    const std::string step = "admin." + words[0];
    json data = json::object();
    try {
      const std::string detail = Dispatch(words, data);
      Print(step, true, detail, data);
    } catch (const StepError& e) {
      Print(step, false, e.message, data);
    }
    return true;
  }

  void RunAll() {
    try {
      Print("admin.sign_in", true, SignIn());
    } catch (const StepError& e) {
      Print("admin.sign_in", false, e.message);
      return;
    }
    if (!flags_.commands.empty()) {
      for (const std::string& c : flags_.commands) {
        if (!Run(c)) return;
      }
      return;
    }
    for (std::string line; std::getline(std::cin, line);) {
      if (!Run(line)) return;
    }
  }

 private:
  Deadline StepDeadline() const { return mtproto::engine::In(flags_.step_timeout); }

  static int ArgInt(const std::vector<std::string>& words, size_t i) {
    if (words.size() <= i) throw StepError{"missing argument " + std::to_string(i)};
    return std::atoi(words[i].c_str());
  }
  static const std::string& Arg(const std::vector<std::string>& words, size_t i) {
    if (words.size() <= i) throw StepError{"missing argument " + std::to_string(i)};
    return words[i];
  }

  std::string Dispatch(const std::vector<std::string>& words, json& data) {
    const std::string& cmd = words[0];
    if (cmd == "create_link") return CreateLink(Arg(words, 1), data);
    if (cmd == "wait_requests") return WaitRequests(Arg(words, 1), ArgInt(words, 2), data);
    if (cmd == "list_pending") return ListPending(Arg(words, 1), ArgInt(words, 2), data);
    if (cmd == "approve_each") return ApproveEach(Arg(words, 1), data);
    if (cmd == "verify") return Verify(Arg(words, 1), Arg(words, 2), ArgInt(words, 3), data);
    throw StepError{"unknown command " + cmd};
  }

  // The Bot API id of a chat reference (what join events carry).
  int64_t ChatId(const std::string& peer) {
    absl::StatusOr<mtproto::engine::ResolvedPeer> resolved =
        invites_->resolver().Resolve(peer, StepDeadline());
    if (!resolved.ok()) throw StepError{"resolving " + peer + ": " + Describe(resolved.status())};
    return mtproto::engine::BotApiId(resolved->peer.kind, resolved->peer.id);
  }

  std::string CreateLink(const std::string& peer, json& data) {
    mtproto::engine::CreateLinkOptions options;
    options.request_needed = true;
    options.title = "interop approval";
    absl::StatusOr<mtproto::engine::InviteLink> link =
        invites_->CreateLink(peer, options, StepDeadline());
    if (!link.ok()) throw StepError{"CreateLink: " + Describe(link.status())};
    data = {{"link", link->link}, {"hash", link->hash}, {"request_needed", link->request_needed},
            {"admin_id", link->admin_id}};
    if (!link->request_needed) throw StepError{"the new link has request_needed unset"};
    if (link->admin_id != self_id_) throw StepError{"the new link's admin_id is not ours"};
    return link->link + " request_needed";
  }

  // The requesters the event stream has reported for `chat_id` and not yet seen resolved.
  std::map<int64_t, JoinEvent> PendingFromEvents(int64_t chat_id) {
    std::map<int64_t, JoinEvent> pending;
    for (const JoinEvent& e : events_) {
      if (e.chat_id != chat_id) continue;
      if (e.kind == JoinEvent::Kind::kRequestCreated) pending[e.user_id] = e;
      if (e.kind == JoinEvent::Kind::kRequestResolved) pending.erase(e.user_id);
    }
    return pending;
  }

  std::string WaitRequests(const std::string& peer, int n, json& data) {
    const int64_t chat_id = ChatId(peer);
    std::unique_lock<std::mutex> lock(events_mutex_);
    const bool enough = events_changed_.wait_until(lock, StepDeadline().at, [&] {
      return static_cast<int>(PendingFromEvents(chat_id).size()) >= n;
    });
    const std::map<int64_t, JoinEvent> pending = PendingFromEvents(chat_id);
    json users = json::array();
    for (const auto& [id, e] : pending) users.push_back(id);
    data = {{"chat_id", chat_id}, {"user_ids", users}};
    if (!enough) {
      throw StepError{"the join-event stream reported " + std::to_string(pending.size()) +
                      " requester(s), expected " + std::to_string(n)};
    }
    return std::to_string(pending.size()) + " request(s) reported by the join-event stream";
  }

  std::string ListPending(const std::string& peer, int n, json& data) {
    pending_.clear();
    std::string source;
    if (is_bot_) {
      // Bots may not call getChatInviteImporters (BOT_METHOD_INVALID): they know the requests
      // only from updateBotChatInviteRequester, i.e. the join-event stream.
      const int64_t chat_id = ChatId(peer);
      std::lock_guard<std::mutex> lock(events_mutex_);
      for (const auto& [id, e] : PendingFromEvents(chat_id)) pending_.push_back(id);
      source = "join-event stream";
    } else {
      mtproto::engine::ListImportersOptions options;
      options.requested = true;
      options.limit = mtproto::engine::kMaxPageLimit;
      absl::StatusOr<mtproto::engine::ImporterPage> page =
          invites_->ListImporters(peer, options, StepDeadline());
      if (!page.ok()) throw StepError{"ListImporters(requested): " + Describe(page.status())};
      for (const mtproto::engine::Importer& i : page->importers) {
        if (!i.requested) throw StepError{"importer " + std::to_string(i.user.id) + " not requested"};
        pending_.push_back(i.user.id);
      }
      data["total_count"] = page->total_count;
      if (page->total_count != n) {
        data["user_ids"] = pending_;
        throw StepError{"count " + std::to_string(page->total_count) + ", expected " +
                        std::to_string(n)};
      }
      source = "messages.getChatInviteImporters(requested)";
    }
    data["user_ids"] = pending_;
    if (static_cast<int>(pending_.size()) != n) {
      throw StepError{std::to_string(pending_.size()) + " pending, expected " + std::to_string(n)};
    }
    return std::to_string(n) + " pending via " + source;
  }

  std::string ApproveEach(const std::string& peer, json& data) {
    if (pending_.empty()) throw StepError{"nothing to approve: run list_pending first"};
    json approved = json::array();
    for (int64_t id : pending_) {
      // By id, as a bot must: it learned of the requester from updateBotChatInviteRequester,
      // whose users (with their access hashes) the engine keeps in its peer cache.
      const absl::Status status =
          invites_->ApproveRequest(peer, std::to_string(id), StepDeadline());
      if (!status.ok()) {
        data["approved"] = approved;
        throw StepError{"ApproveRequest(" + std::to_string(id) + "): " + Describe(status)};
      }
      approved.push_back(id);
    }
    data["approved"] = approved;
    pending_.clear();
    return std::to_string(approved.size()) + " approved (messages.hideChatJoinRequest)";
  }

  std::string Verify(const std::string& peer, const std::string& link, int n, json& data) {
    if (is_bot_) {
      // Bots may not read links or importers; they are told of each approval by
      // updateChannelParticipant (the invite and the approving admin), a "resolved" event.
      const int64_t chat_id = ChatId(peer);
      auto approved_by_us = [&] {
        std::set<int64_t> users;
        for (const JoinEvent& e : events_) {
          if (e.chat_id == chat_id && e.kind == JoinEvent::Kind::kRequestResolved &&
              e.outcome == JoinEvent::Outcome::kApproved && e.by_user_id == self_id_) {
            users.insert(e.user_id);
          }
        }
        return users;
      };
      std::unique_lock<std::mutex> lock(events_mutex_);
      const bool enough = events_changed_.wait_until(
          lock, StepDeadline().at, [&] { return static_cast<int>(approved_by_us().size()) >= n; });
      data["approved_user_ids"] = approved_by_us();
      if (!enough) {
        throw StepError{std::to_string(approved_by_us().size()) +
                        " approval(s) by us in the event stream, expected " + std::to_string(n)};
      }
      return std::to_string(n) + " approvals by us reported by the join-event stream";
    }
    absl::StatusOr<mtproto::engine::InviteLink> got = invites_->GetLink(peer, link, StepDeadline());
    if (!got.ok()) throw StepError{"GetLink: " + Describe(got.status())};
    data["usage"] = got->usage;
    data["requested"] = got->requested;
    if (got->usage != n || got->requested != 0) {
      throw StepError{"link usage " + std::to_string(got->usage) + " requested " +
                      std::to_string(got->requested) + ", expected " + std::to_string(n) + " and 0"};
    }
    mtproto::engine::ListImportersOptions joined;
    joined.link = link;
    joined.limit = mtproto::engine::kMaxPageLimit;
    absl::StatusOr<mtproto::engine::ImporterPage> page =
        invites_->ListImporters(peer, joined, StepDeadline());
    if (!page.ok()) throw StepError{"ListImporters(joined): " + Describe(page.status())};
    json members = json::array();
    for (const mtproto::engine::Importer& i : page->importers) {
      members.push_back(i.user.id);
      if (i.requested || i.approved_by != self_id_) {
        throw StepError{"importer " + std::to_string(i.user.id) + " not approved by us"};
      }
    }
    data["member_ids"] = members;
    if (static_cast<int>(page->importers.size()) != n || page->total_count != n) {
      throw StepError{std::to_string(page->importers.size()) + " importer(s), expected " +
                      std::to_string(n)};
    }
    return "usage " + std::to_string(n) + ", 0 pending, " + std::to_string(n) +
           " importers approved by us";
  }

  const Flags flags_;
  std::unique_ptr<mtproto::engine::Engine> engine_;
  std::unique_ptr<mtproto::engine::InviteApi> invites_;
  bool is_bot_ = false;
  int64_t self_id_ = 0;
  bool failed_ = false;
  std::vector<int64_t> pending_;  // from the last list_pending

  std::mutex out_mutex_;
  std::mutex events_mutex_;
  std::condition_variable events_changed_;
  std::vector<JoinEvent> events_;  // every join event delivered, in order
};

}  // namespace

int main(int argc, char** argv) {
  std::optional<Flags> flags = ParseFlags(argc, argv);
  if (!flags) {
    std::cerr << "usage: interop_engine_admin READY_FILE --store PATH (--phone P --code C "
                 "[--password PW] | --bot-token T) [--step-timeout S] [COMMAND ...]\n";
    return 2;
  }
  Admin admin(*std::move(flags));
  if (absl::Status started = admin.Start(); !started.ok()) {
    admin.Print("admin.start", false, Describe(started));
    return 1;
  }
  admin.RunAll();
  return admin.failed() ? 1 : 0;
}
