// Every constructor and function of the pinned layer and of MTProto's schema, with its optional
// fields absent and present: decoded, re-encoded byte for byte, printed, and cut at every byte.
// The samples come from the generator's independent Python encoder (gen_samples.py).
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mtproto/tl/api.h"
#include "mtproto/tl/mt.h"

namespace mtproto::tl {
namespace {

struct Sample {
  std::string name;
  std::string variant;
  std::string bytes;
};

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<Sample> LoadSamples(const std::string& ns) {
  std::ifstream in(std::string(TL_SAMPLES_DIR) + "/" + ns + "_samples.txt");
  std::vector<Sample> samples;
  Sample s;
  std::string hex;
  while (in >> s.name >> s.variant >> hex) {
    s.bytes = FromHex(hex);
    samples.push_back(s);
  }
  return samples;
}

class EveryConstructor : public testing::TestWithParam<const char*> {
 protected:
  const Schema& schema() const {
    return std::string(GetParam()) == "api" ? api::kSchema : mt::kSchema;
  }
};

TEST_P(EveryConstructor, RoundTripsByteForByte) {
  const std::vector<Sample> samples = LoadSamples(GetParam());
  // Two samples (min, max) per combinator of the schema: none is missed.
  ASSERT_EQ(samples.size(), 2 * schema().constructors.size());
  for (const Sample& s : samples) {
    SCOPED_TRACE(s.name + " " + s.variant);
    Reader in(s.bytes);
    ObjectPtr<Object> object = FetchBoxedObject(in, schema(), Schema::kAnyType);
    ASSERT_TRUE(in.ok()) << in.ErrorText();
    ASSERT_NE(object, nullptr);
    EXPECT_EQ(in.remaining(), 0u);
    EXPECT_EQ(schema().Find(object->ConstructorId())->name, s.name);
    Writer out;
    object->StoreBoxed(out);
    ASSERT_TRUE(out.ok()) << out.error();
    EXPECT_EQ(out.data(), s.bytes);
    const std::string text = object->ToString();
    EXPECT_EQ(text.rfind(s.name + "{", 0), 0u) << text;
    EXPECT_EQ(text.back(), '}');
  }
}

TEST_P(EveryConstructor, EveryTruncationIsAnError) {
  for (const Sample& s : LoadSamples(GetParam())) {
    // rpc_result's answer is the rest of the message, so any cut after the answer's constructor
    // id is still a (different) well-formed rpc_result.
    const size_t end = s.name == "rpc_result" ? 4 + 8 + 4 : s.bytes.size();
    for (size_t size = 0; size < end; ++size) {
      // A copy of exactly `size` bytes, so that a read past it is caught by memcheck.
      const std::unique_ptr<char[]> cut(new char[size]);
      std::memcpy(cut.get(), s.bytes.data(), size);
      Reader in(std::string_view(cut.get(), size));
      ObjectPtr<Object> object = FetchBoxedObject(in, schema(), Schema::kAnyType);
      ASSERT_FALSE(in.ok()) << s.name << " " << s.variant << " decoded from " << size << " of "
                            << s.bytes.size() << " bytes";
      ASSERT_EQ(object, nullptr);
    }
  }
}

// Corrupted samples must decode or fail cleanly; under the sanitizer build this also proves that
// no read goes out of bounds.
TEST_P(EveryConstructor, CorruptedInputNeverCrashes) {
  std::mt19937 random(20261121);
  size_t failures = 0;
  size_t trials = 0;
  for (const Sample& s : LoadSamples(GetParam())) {
    for (int trial = 0; trial < 4; ++trial) {
      std::string bytes = s.bytes;
      for (int flips = 1 + random() % 3; flips > 0; --flips) {
        bytes[random() % bytes.size()] = static_cast<char>(random());
      }
      Reader in(bytes);
      ObjectPtr<Object> object = FetchBoxedObject(in, schema(), Schema::kAnyType);
      EXPECT_EQ(object == nullptr, !in.ok());
      if (object != nullptr) object->ToString();  // a decoded object always prints
      failures += !in.ok();
      ++trials;
    }
  }
  EXPECT_GT(failures, 0u);  // the corruption did reach the decoder
  EXPECT_LT(failures, trials);
}

TEST_P(EveryConstructor, RandomGarbageIsAnError) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 20000; ++trial) {
    std::string bytes(random() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    Reader in(bytes);
    ObjectPtr<Object> object = FetchBoxedObject(in, schema(), Schema::kAnyType);
    EXPECT_EQ(object == nullptr, !in.ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Schemas, EveryConstructor, testing::Values("api", "mt"));

}  // namespace
}  // namespace mtproto::tl
