// Prints the MTProto core's figures on this machine: AES-IGE against the sequential-AES ceiling
// (AES-256-CBC encrypt) and TL encode/decode rates for typical objects.
#include <cstdio>

namespace bench {
void RunCryptoBench();
void RunTlBench();
}  // namespace bench

int main() {
  bench::RunCryptoBench();
  bench::RunTlBench();
  return 0;
}
