// See subprocess.h.
#include "client/cpp/tests/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace invitegate::testing {
namespace {

std::vector<std::string> Environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (extra.count(name) == 0) out.push_back(entry);
  }
  for (const auto& [name, value] : extra) {
    if (!value.empty()) out.push_back(name + "=" + value);
  }
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out, const std::string& err,
            const std::map<std::string, std::string>& env) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> args = argv;
  std::vector<std::string> envs = Environment(env);
  std::vector<char*> arg_ptrs = Pointers(args);
  std::vector<char*> env_ptrs = Pointers(envs);
  pid_t pid = -1;
  // setsid: the child has no controlling terminal, so `login` cannot prompt and hang.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  if (posix_spawn(&pid, args[0].c_str(), &actions, &attr, arg_ptrs.data(), env_ptrs.data()) != 0) {
    pid = -1;
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (done < 0) return -1;
    if (std::chrono::steady_clock::now() > until) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string TempPath(const char* what) {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          ("invitegate-cli-test-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++) + what))
      .string();
}

}  // namespace

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

RunResult Run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
              std::chrono::seconds timeout) {
  const std::string out = TempPath(".out"), err = TempPath(".err");
  RunResult result;
  const pid_t pid = Spawn(argv, out, err, env);
  if (pid > 0) {
    result.exit_code = WaitFor(pid, timeout);
    if (result.exit_code == -2) {
      ::kill(pid, SIGKILL);
      (void)WaitFor(pid, std::chrono::seconds(5));
      result.exit_code = -1;
    }
  }
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return result;
}

Background::Background(const std::vector<std::string>& argv, const std::filesystem::path& out,
                       const std::filesystem::path& err,
                       const std::map<std::string, std::string>& env)
    : pid_(Spawn(argv, out.string(), err.string(), env)) {}

Background::~Background() {
  if (pid_ > 0) (void)Stop(SIGKILL, std::chrono::seconds(5));
}

int Background::Stop(int signal, std::chrono::seconds timeout) {
  if (pid_ <= 0) return exit_code_;
  ::kill(pid_, signal);
  const int code = WaitFor(pid_, timeout);
  if (code == -2) {
    ::kill(pid_, SIGKILL);
    (void)WaitFor(pid_, std::chrono::seconds(5));
    exit_code_ = -1;
  } else {
    exit_code_ = code;
  }
  pid_ = -1;
  return exit_code_;
}

int Background::Wait(std::chrono::seconds timeout) {
  if (pid_ <= 0) return exit_code_;
  const int code = WaitFor(pid_, timeout);
  if (code == -2) return -1;
  exit_code_ = code;
  pid_ = -1;
  return exit_code_;
}

}  // namespace invitegate::testing
