// The service's one structured logger: one line per event, JSON lines or logfmt, with a level, an
// RFC 3339 UTC timestamp, a message and typed fields. Secrets (logging::Secret) print as
// "<redacted>" whatever the format, so a token or phone number cannot leak through a field.
//
//   logging::Logger log({.level = Level::kInfo, .format = Format::kJson});
//   log.Info("listening", {{"address", addr}, {"tls", true}});
//   → {"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"listening","address":"...","tls":true}
//
// Thread-safe: a line is formatted first and written with one call under a mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/log/secret.h"

namespace invitegate::logging {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kJson, kLogfmt };

// "debug" | "info" | "warn" (or "warning") | "error", case-insensitive.
[[nodiscard]] absl::StatusOr<Level> ParseLevel(std::string_view text);
// "json" | "logfmt", case-insensitive.
[[nodiscard]] absl::StatusOr<Format> ParseFormat(std::string_view text);
[[nodiscard]] std::string_view LevelName(Level level);

// One key=value of a log line. Values are strings, integers, doubles, booleans or secrets
// (printed redacted).
class Field {
 public:
  Field(std::string_view key, std::string_view value) : key_(key), value_(std::string(value)) {}
  Field(std::string_view key, const char* value) : key_(key), value_(std::string(value)) {}
  Field(std::string_view key, const std::string& value) : key_(key), value_(value) {}
  Field(std::string_view key, bool value) : key_(key), value_(value) {}
  Field(std::string_view key, int value) : key_(key), value_(int64_t{value}) {}
  Field(std::string_view key, long value) : key_(key), value_(int64_t{value}) {}
  Field(std::string_view key, long long value) : key_(key), value_(int64_t{value}) {}
  Field(std::string_view key, unsigned value) : key_(key), value_(int64_t{value}) {}
  Field(std::string_view key, unsigned long value)
      : key_(key), value_(static_cast<int64_t>(value)) {}
  Field(std::string_view key, double value) : key_(key), value_(value) {}
  Field(std::string_view key, const Secret& value)
      : key_(key), value_(RedactedValue{value.Redacted()}) {}
  // A status prints as its code name and message.
  Field(std::string_view key, const absl::Status& status) : key_(key), value_(status.ToString()) {}

  [[nodiscard]] const std::string& key() const { return key_; }

 private:
  friend class Logger;
  struct RedactedValue {
    std::string text;
  };
  std::string key_;
  std::variant<std::string, int64_t, double, bool, RedactedValue> value_;
};

// Where lines go (each call is one complete line, with its trailing '\n').
using LogSink = std::function<void(std::string_view line)>;

struct LoggerOptions {
  Level level = Level::kInfo;
  Format format = Format::kJson;
  LogSink sink;                       // default: stderr
  std::function<absl::Time()> clock;  // default: absl::Now; tests inject a fixed time
};

// The logger. Cheap to copy a child made by With() (it shares the sink and its mutex).
class Logger {
 public:
  Logger() : Logger(LoggerOptions{}) {}
  explicit Logger(LoggerOptions options);

  [[nodiscard]] bool Enabled(Level level) const { return level >= shared_->level; }
  void Log(Level level, std::string_view msg, std::initializer_list<Field> fields = {}) const;
  void Debug(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    Log(Level::kDebug, msg, fields);
  }
  void Info(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    Log(Level::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    Log(Level::kWarn, msg, fields);
  }
  void Error(std::string_view msg, std::initializer_list<Field> fields = {}) const {
    Log(Level::kError, msg, fields);
  }

  // A logger that adds `fields` to every line (e.g. {"component", "stream"}, {"account", a}).
  [[nodiscard]] Logger With(std::initializer_list<Field> fields) const;

  // The line as it would be written (no level filtering); for tests and tools.
  [[nodiscard]] std::string FormatLine(Level level, std::string_view msg,
                                       std::initializer_list<Field> fields) const;

 private:
  struct Shared {
    Level level;
    logging::Format format;
    LogSink sink;
    std::function<absl::Time()> clock;
    std::mutex mu;  // serializes sink calls
  };
  std::shared_ptr<Shared> shared_;
  std::vector<Field> bound_;
};

// The process-wide logger (stderr, info, JSON until SetDefaultLogger is called at startup). A
// copy: cheap, and safe against a concurrent SetDefaultLogger.
[[nodiscard]] Logger DefaultLogger();
void SetDefaultLogger(Logger logger);

}  // namespace invitegate::logging
