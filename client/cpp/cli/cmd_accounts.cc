// `invitegate accounts ...` and `invitegate login`: AccountService. Login drives the sign-in steps
// (phone → code → 2FA password) from the account's state, asking at the terminal for whatever no
// flag gave; bots sign in with their token in one step.
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/cpp/cli/command.h"
#include "client/cpp/cli/output.h"
#include "client/cpp/cli/prompt.h"

namespace invitegate::cli {
namespace {

absl::Status List(Invocation& inv) {
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  v1::ListAccountsRequest request;
  v1::ListAccountsResponse merged;
  do {
    absl::StatusOr<v1::ListAccountsResponse> page = (*client)->ListAccounts(request);
    if (!page.ok()) return page.status();
    merged.mutable_accounts()->MergeFrom(page->accounts());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  if (inv.json) {
    PrintJson(*inv.out, merged);
    return absl::OkStatus();
  }
  for (const v1::Account& a : merged.accounts()) *inv.out << FormatAccount(a) << "\n";
  return absl::OkStatus();
}

absl::Status Get(Invocation& inv) {
  if (!inv.args.positional().empty()) {
    inv.account = inv.args.positional()[0];
    if (inv.account.rfind("accounts/", 0) == 0) inv.account = inv.account.substr(9);
  }
  absl::StatusOr<std::string> name = inv.AccountName();
  if (!name.ok()) return name.status();
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  v1::GetAccountRequest request;
  request.set_name(*name);
  absl::StatusOr<v1::Account> account = (*client)->GetAccount(request);
  if (!account.ok()) return account.status();
  PrintResult(*inv.out, inv.json, *account, FormatAccount(*account));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSecretFile(const Invocation& inv, const std::string& flag) {
  std::ifstream in(inv.args.Get(flag));
  if (!in) return inv.Usage(absl::StrCat("--", flag, ": cannot read ", inv.args.Get(flag)));
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  // A trailing newline is the file's, not the secret's.
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

// A value from --flag, else $env, else the terminal; each source is used once (a wrong code from
// a flag is not retried forever).
class Source {
 public:
  Source(const Invocation& inv, std::string flag, const char* env, std::string question,
         bool secret, bool file)
      : inv_(inv), flag_(std::move(flag)), env_(env), question_(std::move(question)),
        secret_(secret), file_(file) {}

  absl::StatusOr<std::string> Next() {
    if (!used_flag_ && inv_.args.Has(flag_)) {
      used_flag_ = true;
      return file_ ? ReadSecretFile(inv_, flag_) : absl::StatusOr<std::string>(inv_.args.Get(flag_));
    }
    if (!used_env_ && env_ != nullptr && std::getenv(env_) != nullptr) {
      used_env_ = true;
      return std::string(std::getenv(env_));
    }
    if (used_flag_ || used_env_) {
      // The given value was refused; only a person can try again.
      if (prompted_ == 0 && !::isatty(0)) return absl::AbortedError("the value given was refused");
    }
    if (++prompted_ > 3) return absl::AbortedError("three wrong answers");
    absl::StatusOr<std::string> answer = Prompt(question_, secret_);
    if (!answer.ok()) {
      return inv_.Usage(absl::StrCat("cannot ask for it (", answer.status().message(),
                                     "): pass --", flag_));
    }
    return answer;
  }

 private:
  const Invocation& inv_;
  std::string flag_;
  const char* env_;
  std::string question_;
  bool secret_;
  bool file_;
  bool used_flag_ = false;
  bool used_env_ = false;
  int prompted_ = 0;
};

absl::Status Login(Invocation& inv) {
  absl::StatusOr<std::string> name = inv.AccountName();
  if (!name.ok()) return name.status();
  absl::StatusOr<client::Client*> client = inv.Client();
  if (!client.ok()) return client.status();
  client::Client& c = **client;

  auto done = [&](const v1::Account& account) {
    if (inv.json) {
      PrintJson(*inv.out, account);
    } else {
      *inv.out << "signed in: " << FormatAccount(account) << "\n";
    }
    return absl::OkStatus();
  };

  // Bots: one step.
  if (inv.args.Has("bot-token") || inv.args.Has("bot-token-file") ||
      std::getenv("INVITEGATE_BOT_TOKEN") != nullptr) {
    v1::SignInBotRequest request;
    request.set_name(*name);
    if (inv.args.Has("bot-token-file")) {
      absl::StatusOr<std::string> token = ReadSecretFile(inv, "bot-token-file");
      if (!token.ok()) return token.status();
      request.set_bot_token(*token);
    } else {
      request.set_bot_token(inv.args.Get("bot-token", std::getenv("INVITEGATE_BOT_TOKEN")
                                                          ? std::getenv("INVITEGATE_BOT_TOKEN")
                                                          : ""));
    }
    absl::StatusOr<v1::Account> account = c.SignInBot(request);
    if (!account.ok()) return account.status();
    return done(*account);
  }

  Source phone(inv, "phone", nullptr, "Phone number (international format): ", false, false);
  Source code(inv, "code", nullptr, "Login code Telegram sent: ", false, false);
  Source password(inv, "password-file", "INVITEGATE_PASSWORD", "2FA password: ", true, true);

  // Where the account is: a new id starts from the phone; --phone always (re)starts.
  v1::Account account;
  account.set_state(v1::SIGN_IN_STATE_SIGNED_OUT);
  if (!inv.args.Has("phone")) {
    v1::GetAccountRequest get;
    get.set_name(*name);
    absl::StatusOr<v1::Account> current = c.GetAccount(get);
    if (current.ok()) {
      account = *std::move(current);
    } else if (current.status().code() != absl::StatusCode::kNotFound) {
      return current.status();
    }
  }
  for (int step = 0; step < 12; ++step) {
    switch (account.state()) {
      case v1::SIGN_IN_STATE_SIGNED_IN:
        return done(account);
      case v1::SIGN_IN_STATE_CODE_SENT: {
        absl::StatusOr<std::string> value = code.Next();
        if (!value.ok()) return value.status();
        v1::SubmitSignInCodeRequest request;
        request.set_name(*name);
        request.set_code(*value);
        absl::StatusOr<v1::Account> next = c.SubmitSignInCode(request);
        if (next.ok()) {
          account = *std::move(next);
        } else if (client::ErrorReason(next.status()) == "PHONE_CODE_INVALID" &&
                   (!inv.args.Has("code") || ::isatty(0))) {
          *inv.err << "invitegate login: wrong code\n";
          continue;  // ask again (at most three times)
        } else {
          return next.status();
        }
        break;
      }
      case v1::SIGN_IN_STATE_PASSWORD_NEEDED: {
        absl::StatusOr<std::string> value = password.Next();
        if (!value.ok()) return value.status();
        v1::SubmitSignInPasswordRequest request;
        request.set_name(*name);
        request.set_password(*value);
        absl::StatusOr<v1::Account> next = c.SubmitSignInPassword(request);
        if (next.ok()) {
          account = *std::move(next);
        } else if (client::ErrorReason(next.status()) == "PASSWORD_HASH_INVALID" &&
                   ::isatty(0)) {
          *inv.err << "invitegate login: wrong password\n";
          continue;
        } else {
          return next.status();
        }
        break;
      }
      default: {
        absl::StatusOr<std::string> value = phone.Next();
        if (!value.ok()) return value.status();
        v1::StartSignInRequest request;
        request.set_name(*name);
        request.set_phone_number(*value);
        absl::StatusOr<v1::Account> next = c.StartSignIn(request);
        if (!next.ok()) return next.status();
        account = *std::move(next);
        if (!inv.json && account.state() == v1::SIGN_IN_STATE_CODE_SENT) {
          *inv.err << "invitegate login: a login code was sent\n";
        }
        break;
      }
    }
  }
  return absl::DeadlineExceededError("sign-in did not finish");
}

}  // namespace

void AddAccountCommands(std::vector<CommandSpec>& commands) {
  commands.push_back({"accounts list", "list the Telegram accounts the server acts as", "", "", {},
                      0, 0, true, List});
  commands.push_back({"accounts get", "show one account", "[ACCOUNT]",
                      "ACCOUNT defaults to --account.", {}, 0, 1, true, Get});
  commands.push_back(
      {"login", "sign an account in: a user (phone, code, 2FA password) or a bot (token)", "",
       "Creates --account on the server if it is new. A user account goes through the steps\n"
       "its state asks for, taking each answer from its flag, else asking at the terminal (the\n"
       "password without echo). Run again to continue an interrupted sign-in. Examples:\n"
       "  invitegate login --account carol --phone +9996631111\n"
       "  invitegate login --account carol --phone 9996631111 --code 33333 --password-file pw\n"
       "  invitegate login --account mybot --bot-token-file token.txt",
       {{"phone", "NUMBER", "the phone number, international format; (re)starts the sign-in"},
        {"code", "CODE", "the login code Telegram sent"},
        {"password-file", "FILE", "read the 2FA password from FILE (or $INVITEGATE_PASSWORD)"},
        {"bot-token", "TOKEN", "sign a bot in (visible in `ps`: prefer --bot-token-file)"},
        {"bot-token-file", "FILE", "read the bot token from FILE (or $INVITEGATE_BOT_TOKEN)"}},
       0, 0, true, Login});
}

}  // namespace invitegate::cli
