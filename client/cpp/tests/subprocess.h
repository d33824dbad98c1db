// Running programs for the CLI tests: to completion with captured output, or in the background
// with their output in a file. POSIX only (posix_spawn), loopback only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace invitegate::testing {

struct RunResult {
  int exit_code = -1;  // -1: killed by a signal or could not start
  std::string out;
  std::string err;
};

// Runs `argv` with `env` added to the environment (an empty value removes the variable) and
// stdin from /dev/null; kills it after `timeout`.
[[nodiscard]] RunResult Run(const std::vector<std::string>& argv,
                            const std::map<std::string, std::string>& env = {},
                            std::chrono::seconds timeout = std::chrono::seconds(60));

// A program in the background, stdout and stderr to files.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::filesystem::path& out,
             const std::filesystem::path& err, const std::map<std::string, std::string>& env = {});
  ~Background();  // SIGKILL if still running
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  // Sends `signal` and waits up to `timeout`; returns the exit code (-1: signalled/timeout).
  int Stop(int signal, std::chrono::seconds timeout = std::chrono::seconds(20));
  // Waits up to `timeout` for it to exit by itself; returns the exit code or -1.
  int Wait(std::chrono::seconds timeout);

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// The whole file ("" when missing).
[[nodiscard]] std::string ReadFile(const std::filesystem::path& path);

}  // namespace invitegate::testing
