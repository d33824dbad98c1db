// Sources of randomness for the crypto module. Every function that needs random bytes takes a
// RandomSource, so tests and transcript replays can inject a deterministic one; production code
// passes SecureRandom. Spec: https://core.telegram.org/mtproto/security_guidelines
#pragma once

#include <cstdint>

#include "mtproto/crypto/bytes.h"

namespace mtproto::crypto {

// Interface of a byte generator. Implementations need not be thread-safe.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` entirely.
  virtual void Fill(MutableByteSpan out) = 0;
  // Returns `size` fresh bytes.
  [[nodiscard]] Bytes Generate(size_t size) {
    Bytes out(size);
    Fill(out);
    return out;
  }
};

// Cryptographically secure randomness from OpenSSL's RAND_bytes. Aborts if OpenSSL cannot
// produce entropy: continuing with predictable keys would be worse than stopping.
class SecureRandom final : public RandomSource {
 public:
  void Fill(MutableByteSpan out) override;
};

// A reproducible stream, SHA-256(seed || counter) blocks: for tests and replayed transcripts
// only, never for real keys.
class DeterministicRandom final : public RandomSource {
 public:
  explicit DeterministicRandom(uint64_t seed) : seed_(seed) {}
  void Fill(MutableByteSpan out) override;

 private:
  uint64_t seed_;
  uint64_t counter_ = 0;
};

}  // namespace mtproto::crypto
