// See prompt.h.
#include "client/cpp/cli/prompt.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "absl/strings/ascii.h"

namespace invitegate::cli {

absl::StatusOr<std::string> Prompt(const std::string& question, bool secret) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return absl::FailedPreconditionError("no terminal to ask on");
  (void)!::write(fd, question.data(), question.size());
  termios saved{};
  const bool restore = secret && ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the newline still shows, so the next output starts a line
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  char c;
  bool got_any = false;
  while (::read(fd, &c, 1) == 1) {
    got_any = true;
    if (c == '\n') break;
    if (c == '\r') continue;
    line.push_back(c);
  }
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &saved);
  ::close(fd);
  if (!got_any) return absl::FailedPreconditionError("no answer at the terminal");
  return secret ? line : std::string(absl::StripAsciiWhitespace(line));
}

}  // namespace invitegate::cli
