// An in-process emulator for one test: a fresh directory named after the test, the emulator's
// state in dir()/emulator, ephemeral ports; stopped and removed when the test ends.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "mtproto/crypto/rsa.h"
#include "mtproto/emulator/server.h"

namespace mtproto::testing {

class RunningEmulator {
 public:
  ~RunningEmulator() {
    if (emulator_) emulator_->Stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  [[nodiscard]] absl::Status Start(const std::string& prefix) {
    dir_ = std::filesystem::temp_directory_path() /
           (prefix + "-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    emulator::EmulatorOptions options;
    options.state_dir = state_dir();
    emulator_ = std::make_unique<emulator::Emulator>(std::move(options));
    absl::StatusOr<emulator::EmulatorEndpoints> endpoints = emulator_->Start();
    if (!endpoints.ok()) return endpoints.status();
    endpoints_ = *endpoints;
    absl::StatusOr<crypto::RsaPublicKey> key = crypto::RsaPublicKey::FromPem(endpoints_.public_key_pem);
    if (!key.ok()) return key.status();
    key_.emplace(*key);
    return absl::OkStatus();
  }

  emulator::Emulator& emulator() { return *emulator_; }
  const emulator::EmulatorEndpoints& endpoints() const { return endpoints_; }
  const crypto::RsaPublicKey& public_key() const { return *key_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path state_dir() const { return dir_ / "emulator"; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<emulator::Emulator> emulator_;
  emulator::EmulatorEndpoints endpoints_;
  std::optional<crypto::RsaPublicKey> key_;
};

}  // namespace mtproto::testing
