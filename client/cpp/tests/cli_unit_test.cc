// The CLI's pieces in-process: the subcommand parser, exit codes per gRPC status, error text with
// Telegram's reason / retry delay / field violations (from real google.rpc details), the JSON
// error form, and commands that need no server.
#include <sstream>

#include "client/cpp/cli/args.h"
#include "client/cpp/cli/command.h"
#include "client/cpp/cli/exit_codes.h"
#include "client/cpp/cli/output.h"
#include "client/cpp/errors.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace invitegate::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<FlagSpec> kSpecs = {
    {"chat", "CHAT", "the chat"}, {"json", "", "json"}, {"link", "LINK", "a link", true}};

TEST(ArgsTest, FlagsPositionalsAndSwitches) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(
      {"--chat", "g", "x", "--json", "--link=a", "--link", "b", "-1001", "--", "--not-a-flag"},
      kSpecs);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Get("chat"), "g");
  EXPECT_THAT(parsed->GetAll("link"), ElementsAre("a", "b"));
  EXPECT_EQ(**parsed->GetBool("json"), true);
  // A negative number is a positional (a Bot API chat id), and "--" ends the flags.
  EXPECT_THAT(parsed->positional(), ElementsAre("x", "-1001", "--not-a-flag"));
}

TEST(ArgsTest, MistakesAreUsageErrors) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--nope"}, {"--chat"}, {"--chat=a", "--chat=b"},
                                             {"-x"}}) {
    absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, kSpecs);
    ASSERT_FALSE(parsed.ok()) << args[0];
    EXPECT_TRUE(IsUsageError(parsed.status()));
    EXPECT_EQ(ExitCodeFor(parsed.status()), kExitUsage);
  }
  absl::StatusOr<ParsedArgs> parsed = ParseArgs({"--json=maybe"}, kSpecs);
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->GetBool("json").ok());
}

TEST(ArgsTest, SplitCommandSkipsGlobalFlagValues) {
  auto is_prefix = [](const std::vector<std::string>& words) {
    return words == std::vector<std::string>{"links"} ||
           words == std::vector<std::string>{"links", "get"};
  };
  std::vector<std::string> rest;
  std::vector<std::string> words =
      SplitCommand({"--chat", "links", "links", "get", "abc", "get"}, kSpecs, is_prefix, &rest);
  EXPECT_THAT(words, ElementsAre("links", "get"));
  EXPECT_THAT(rest, ElementsAre("--chat", "links", "abc", "get"));
}

TEST(ExitCodeTest, OneCodePerStatusClass) {
  EXPECT_EQ(ExitCodeFor(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeFor(absl::UnknownError("")), 1);
  EXPECT_EQ(ExitCodeFor(absl::NotFoundError("")), 3);
  EXPECT_EQ(ExitCodeFor(absl::PermissionDeniedError("")), 4);
  EXPECT_EQ(ExitCodeFor(absl::UnauthenticatedError("")), 4);
  EXPECT_EQ(ExitCodeFor(absl::FailedPreconditionError("")), 5);
  EXPECT_EQ(ExitCodeFor(absl::AlreadyExistsError("")), 5);
  EXPECT_EQ(ExitCodeFor(absl::OutOfRangeError("")), 5);
  EXPECT_EQ(ExitCodeFor(absl::ResourceExhaustedError("")), 6);
  EXPECT_EQ(ExitCodeFor(absl::InvalidArgumentError("")), 7);
  EXPECT_EQ(ExitCodeFor(absl::UnavailableError("")), 8);
  EXPECT_EQ(ExitCodeFor(absl::DeadlineExceededError("")), 8);
  EXPECT_EQ(ExitCodeFor(absl::UnimplementedError("")), 9);
}

// A FLOOD_WAIT as the server sends it: ErrorInfo + RetryInfo in the status details.
grpc::Status FloodWait() {
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::ErrorInfo info;
  info.set_reason("FLOOD_WAIT");
  info.set_domain("telegram.org");
  (*info.mutable_metadata())["seconds"] = "42";
  details.add_details()->PackFrom(info);
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(42);
  details.add_details()->PackFrom(retry);
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "Telegram asks to wait 42 s",
                      details.SerializeAsString());
}

TEST(ErrorsTest, ReasonRetryDelayAndFieldsSurviveTheConversion) {
  const absl::Status flood = client::FromGrpcStatus(FloodWait());
  EXPECT_EQ(flood.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(client::ErrorReason(flood), "FLOOD_WAIT");
  ASSERT_TRUE(client::RetryDelay(flood).has_value());
  EXPECT_EQ(client::RetryDelay(flood)->count(), 42000);
  EXPECT_EQ(client::DescribeError(flood),
            "RESOURCE_EXHAUSTED: Telegram asks to wait 42 s [reason FLOOD_WAIT (telegram.org); "
            "retry after 42s]");
  EXPECT_EQ(ExitCodeFor(flood), kExitResourceExhausted);

  google::rpc::Status details;
  google::rpc::BadRequest bad;
  auto* v = bad.add_field_violations();
  v->set_field("invite_link.title");
  v->set_description("at most 32 characters");
  details.add_details()->PackFrom(bad);
  const absl::Status invalid = client::FromGrpcStatus(grpc::Status(
      grpc::StatusCode::INVALID_ARGUMENT, "invalid request", details.SerializeAsString()));
  ASSERT_EQ(client::FieldViolations(invalid).size(), 1u);
  EXPECT_THAT(client::DescribeError(invalid),
              HasSubstr("\n  invite_link.title: at most 32 characters"));
  // Garbage details are no details, not a crash.
  const absl::Status garbage = client::FromGrpcStatus(
      grpc::Status(grpc::StatusCode::INTERNAL, "x", std::string("\xff\xff\x01", 3)));
  EXPECT_EQ(client::ErrorReason(garbage), "");
}

TEST(ErrorsTest, JsonErrorCarriesReasonAndDelay) {
  std::ostringstream err;
  PrintError(err, "links create", client::FromGrpcStatus(FloodWait()), /*json=*/true);
  nlohmann::json parsed = nlohmann::json::parse(err.str());
  EXPECT_EQ(parsed["error"]["code"], "RESOURCE_EXHAUSTED");
  EXPECT_EQ(parsed["error"]["reason"], "FLOOD_WAIT");
  EXPECT_EQ(parsed["error"]["retry_delay_seconds"], 42.0);
  EXPECT_EQ(parsed["error"]["metadata"]["seconds"], "42");
}

TEST(CliTest, RunsWithoutAServerForHelpAndParseLink) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"parse-link", "https://t.me/joinchat/AbC"}, out, err), 0);
  EXPECT_THAT(out.str(), HasSubstr("invite  hash AbC"));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunCli({"--account", "a", "links", "get", "--help"}, out2, err2), 0);
  EXPECT_THAT(out2.str(), HasSubstr("usage: invitegate links get [flags] LINK"));
  std::ostringstream out3, err3;
  EXPECT_EQ(RunCli({"links", "get", "--chat", "g", "x"}, out3, err3), kExitUsage);
  EXPECT_THAT(err3.str(), HasSubstr("no account"));
}

}  // namespace
}  // namespace invitegate::cli
