// invitegate: the command-line client of the Invitegate gRPC service. See `invitegate --help`.
#include <iostream>
#include <string>
#include <vector>

#include "client/cpp/cli/command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return invitegate::cli::RunCli(args, std::cout, std::cerr);
}
