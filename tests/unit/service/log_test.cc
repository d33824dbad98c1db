// The structured logger: exact JSON and logfmt lines, level filtering, bound fields, escaping,
// and secrets redacted in every format.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/log/logger.h"

namespace invitegate::logging {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Captured {
  std::vector<std::string> lines;
  Logger Make(Level level, Format format) {
    return Logger({.level = level,
                   .format = format,
                   .sink = [this](std::string_view line) { lines.emplace_back(line); },
                   .clock = [] { return absl::FromUnixMillis(1714564800123); }});
  }
};

TEST(LoggerTest, JsonLine) {
  Captured c;
  Logger log = c.Make(Level::kInfo, Format::kJson);
  log.Info("listening",
           {{"address", "127.0.0.1:50051"}, {"tls", true}, {"port", 50051}, {"ratio", 0.5}});
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0],
            "{\"ts\":\"2024-05-01T12:00:00.123Z\",\"level\":\"info\",\"msg\":\"listening\","
            "\"address\":\"127.0.0.1:50051\",\"tls\":true,\"port\":50051,\"ratio\":0.5}\n");
}

TEST(LoggerTest, LogfmtLineQuotesWhenNeeded) {
  Captured c;
  Logger log = c.Make(Level::kDebug, Format::kLogfmt);
  log.Warn("flood wait", {{"account", "bot1"}, {"detail", "a=b \"c\""}, {"empty", ""}});
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0],
            "ts=2024-05-01T12:00:00.123Z level=warn msg=\"flood wait\" account=bot1 "
            "detail=\"a=b \\\"c\\\"\" empty=\"\"\n");
}

TEST(LoggerTest, LevelsFilter) {
  Captured c;
  Logger log = c.Make(Level::kWarn, Format::kJson);
  log.Debug("d");
  log.Info("i");
  log.Warn("w");
  log.Error("e");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_THAT(c.lines[0], HasSubstr("\"level\":\"warn\""));
  EXPECT_THAT(c.lines[1], HasSubstr("\"level\":\"error\""));
  EXPECT_FALSE(log.Enabled(Level::kInfo));
}

TEST(LoggerTest, WithBindsFields) {
  Captured c;
  Logger log = c.Make(Level::kInfo, Format::kLogfmt).With({{"component", "stream"}});
  log.With({{"account", "alice"}}).Info("subscribed", {{"subscribers", 3}});
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_THAT(c.lines[0],
              HasSubstr("msg=subscribed component=stream account=alice subscribers=3\n"));
}

TEST(LoggerTest, EscapesControlCharactersAndNewlines) {
  Captured c;
  Logger log = c.Make(Level::kInfo, Format::kJson);
  log.Info("line1\nline2", {{"raw", std::string("a\x01") + "b\\"}});
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_THAT(c.lines[0], HasSubstr("\"msg\":\"line1\\nline2\""));
  EXPECT_THAT(c.lines[0], HasSubstr("\"raw\":\"a\\u0001b\\\\\""));
  EXPECT_EQ(c.lines[0].find('\n'), c.lines[0].size() - 1);  // one line
}

TEST(LoggerTest, SecretsAreRedactedInEveryFormat) {
  const Secret token("123456:VERY-SECRET-BOT-TOKEN", "env INVITEGATE_BOT");
  for (Format format : {Format::kJson, Format::kLogfmt}) {
    Captured c;
    Logger log = c.Make(Level::kInfo, format);
    log.Info("signing in", {{"bot_token", token}});
    ASSERT_EQ(c.lines.size(), 1u);
    EXPECT_THAT(c.lines[0], Not(HasSubstr("VERY-SECRET")));
    EXPECT_THAT(c.lines[0], HasSubstr("<redacted: env INVITEGATE_BOT>"));
  }
  std::ostringstream os;
  os << token;
  EXPECT_EQ(os.str(), "<redacted: env INVITEGATE_BOT>");
  EXPECT_EQ(Secret().Redacted(), "<unset>");
}

TEST(LoggerTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(*ParseLevel("DEBUG"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_FALSE(ParseLevel("loud").ok());
  EXPECT_EQ(*ParseFormat("logfmt"), Format::kLogfmt);
  EXPECT_FALSE(ParseFormat("yaml").ok());
}

TEST(LoggerTest, DefaultLoggerCanBeReplaced) {
  Captured c;
  SetDefaultLogger(c.Make(Level::kInfo, Format::kJson));
  DefaultLogger().Info("hello");
  EXPECT_EQ(c.lines.size(), 1u);
  SetDefaultLogger(Logger());
}

}  // namespace
}  // namespace invitegate::logging
