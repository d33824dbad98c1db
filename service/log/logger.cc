// Structured log lines: JSON (one object per line) or logfmt (key=value, quoted when needed).
#include "service/log/logger.h"

#include <cstdio>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace invitegate::logging {
namespace {

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through
        }
    }
  }
  out += '"';
}

// logfmt: bare when the value has no space, quote, '=' or control character; else quoted.
void AppendLogfmtString(std::string& out, std::string_view s) {
  bool bare = !s.empty();
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
      bare = false;
      break;
    }
  }
  if (bare) {
    out.append(s);
  } else {
    AppendJsonString(out, s);  // same escaping rules as logfmt's quoted strings
  }
}

std::string FormatDouble(double v) { return absl::StrFormat("%.6g", v); }

}  // namespace

absl::StatusOr<Level> ParseLevel(std::string_view text) {
  const std::string t = absl::AsciiStrToLower(std::string(text));
  if (t == "debug") return Level::kDebug;
  if (t == "info") return Level::kInfo;
  if (t == "warn" || t == "warning") return Level::kWarn;
  if (t == "error") return Level::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", t, "\" (expected debug, info, warn or error)"));
}

absl::StatusOr<Format> ParseFormat(std::string_view text) {
  const std::string t = absl::AsciiStrToLower(std::string(text));
  if (t == "json") return Format::kJson;
  if (t == "logfmt") return Format::kLogfmt;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format \"", t, "\" (expected json or logfmt)"));
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

Logger::Logger(LoggerOptions options) : shared_(std::make_shared<Shared>()) {
  shared_->level = options.level;
  shared_->format = options.format;
  shared_->sink = options.sink ? std::move(options.sink) : [](std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  };
  shared_->clock = options.clock ? std::move(options.clock) : [] { return absl::Now(); };
}

Logger Logger::With(std::initializer_list<Field> fields) const {
  Logger child = *this;
  child.bound_.insert(child.bound_.end(), fields.begin(), fields.end());
  return child;
}

std::string Logger::FormatLine(Level level, std::string_view msg,
                               std::initializer_list<Field> fields) const {
  const bool json = shared_->format == Format::kJson;
  const std::string ts =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", shared_->clock(), absl::UTCTimeZone());
  std::string out;
  out.reserve(128);
  auto key = [&](std::string_view k, bool first) {
    if (json) {
      if (!first) out += ',';
      AppendJsonString(out, k);
      out += ':';
    } else {
      if (!first) out += ' ';
      out.append(k);
      out += '=';
    }
  };
  auto str = [&](std::string_view v) {
    json ? AppendJsonString(out, v) : AppendLogfmtString(out, v);
  };
  if (json) out += '{';
  key("ts", true);
  str(ts);
  key("level", false);
  str(LevelName(level));
  key("msg", false);
  str(msg);
  auto emit = [&](const Field& f) {
    key(f.key_, false);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            str(v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            out += absl::StrCat(v);
          } else if constexpr (std::is_same_v<T, double>) {
            out += FormatDouble(v);
          } else if constexpr (std::is_same_v<T, bool>) {
            out += v ? "true" : "false";
          } else {
            str(v.text);
          }
        },
        f.value_);
  };
  for (const Field& f : bound_) emit(f);
  for (const Field& f : fields) emit(f);
  if (json) out += '}';
  out += '\n';
  return out;
}

void Logger::Log(Level level, std::string_view msg, std::initializer_list<Field> fields) const {
  if (!Enabled(level)) return;
  const std::string line = FormatLine(level, msg, fields);
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->sink(line);
}

namespace {
std::mutex& DefaultMu() {
  static std::mutex mu;
  return mu;
}
Logger& DefaultSlot() {
  static Logger* logger = new Logger();
  return *logger;
}
}  // namespace

Logger DefaultLogger() {
  std::lock_guard<std::mutex> lock(DefaultMu());
  return DefaultSlot();
}

void SetDefaultLogger(Logger logger) {
  std::lock_guard<std::mutex> lock(DefaultMu());
  DefaultSlot() = std::move(logger);
}

}  // namespace invitegate::logging
