#include "core/format_error.h"
#include "core/gguf.h"
#include "core/gguf_writer.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace ws::core {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path writeBytes(const std::string& name, const std::vector<uint8_t>& bytes) {
  const auto path = test::outputDir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return path;
}

template <typename T> void poke(std::vector<uint8_t>& bytes, size_t at, T value) {
  std::memcpy(bytes.data() + at, &value, sizeof(T));
}

// A small valid file: two keys and two tensors.
fs::path smallFile() {
  GgufWriter w;
  w.setString("general.architecture", "llama"); // key at byte 24
  w.setStringArray("tokens", {"a", "bc"});
  std::vector<float> values(8, 1.0f);
  w.addTensorF32("t0", {4, 2}, values);
  w.addTensorF32("t1", {8}, values);
  const auto path = test::outputDir() / "gguf_small.gguf";
  w.write(path);
  return path;
}

// Byte offsets inside smallFile(), from the GGUF layout.
constexpr size_t kTensorCountAt = 8;
constexpr size_t kKvCountAt = 16;
constexpr size_t kFirstKeyAt = 24;
constexpr size_t kFirstValueTypeAt = kFirstKeyAt + 8 + 20;     // "general.architecture"
constexpr size_t kSecondKeyAt = kFirstValueTypeAt + 4 + 8 + 5; // "llama"
constexpr size_t kTokensArrayTypeAt = kSecondKeyAt + 8 + 6 + 4;
constexpr size_t kTokensCountAt = kTokensArrayTypeAt + 4;
constexpr size_t kFirstTensorAt = kTokensCountAt + 8 + (8 + 1) + (8 + 2);
constexpr size_t kFirstTensorNDimsAt = kFirstTensorAt + 8 + 2;
constexpr size_t kFirstTensorTypeAt = kFirstTensorNDimsAt + 4 + 16;
constexpr size_t kFirstTensorOffsetAt = kFirstTensorTypeAt + 4;
constexpr size_t kSecondTensorAt = kFirstTensorOffsetAt + 8;

// Opens the bytes and returns the FormatError's message; fails if it parses.
std::string errorOf(const std::string& name, const std::vector<uint8_t>& bytes) {
  const auto path = writeBytes(name, bytes);
  try {
    GgufFile::open(path);
  } catch (const FormatError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
    return e.what();
  }
  ADD_FAILURE() << name << " parsed although it is malformed";
  return {};
}

TEST(Gguf, SmallFileLayoutIsAsTheTestsAssume) {
  const auto bytes = readAll(smallFile());
  EXPECT_EQ(std::memcmp(bytes.data() + kFirstKeyAt + 8, "general.architecture", 20), 0);
  EXPECT_EQ(std::memcmp(bytes.data() + kSecondKeyAt + 8, "tokens", 6), 0);
  EXPECT_EQ(std::memcmp(bytes.data() + kFirstTensorAt + 8, "t0", 2), 0);
  EXPECT_EQ(std::memcmp(bytes.data() + kSecondTensorAt + 8, "t1", 2), 0);
  const GgufFile f = GgufFile::open(smallFile());
  EXPECT_EQ(f.metadata()[1].offset, kSecondKeyAt);
  EXPECT_EQ(f.getStringArray("tokens"), (std::vector<std::string>{"a", "bc"}));
}

TEST(Gguf, ReadsTokenizerTestFiles) {
  const auto dir = test::testdataDir() / "tokenizers";
  const GgufFile gpt2 = GgufFile::open(dir / "ggml-vocab-gpt-2.gguf");
  EXPECT_EQ(gpt2.version(), 3u);
  EXPECT_EQ(gpt2.getString("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(gpt2.getString("tokenizer.ggml.pre"), "gpt-2");
  const auto tokens = gpt2.getStringArray("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 50257u);
  EXPECT_EQ(tokens[0], "!");
  EXPECT_EQ(gpt2.getStringArray("tokenizer.ggml.merges").size(), 50000u);
  EXPECT_EQ(gpt2.getStringArray("tokenizer.ggml.merges")[0], "Ġ t");
  EXPECT_EQ(gpt2.getUInt("tokenizer.ggml.eos_token_id"), 50256u);
  EXPECT_EQ(gpt2.getIntArray("tokenizer.ggml.token_type").size(), 50257u);
  EXPECT_TRUE(gpt2.tensors().empty());

  const GgufFile spm = GgufFile::open(dir / "ggml-vocab-llama-spm.gguf");
  EXPECT_EQ(spm.getString("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(spm.getFloatArray("tokenizer.ggml.scores").size(), 32000u);
  EXPECT_EQ(spm.getStringArray("tokenizer.ggml.tokens")[3], "<0x00>");
  EXPECT_EQ(spm.getIntArray("tokenizer.ggml.token_type")[0], 2);
  EXPECT_TRUE(spm.getBool("tokenizer.ggml.add_bos_token"));
  EXPECT_EQ(spm.findBool("no.such.key"), std::nullopt);

  for (const char* name : {"deepseek-coder", "starcoder", "llama-bpe", "qwen2"}) {
    const GgufFile f = GgufFile::open(dir / (std::string("ggml-vocab-") + name + ".gguf"));
    EXPECT_EQ(f.getString("tokenizer.ggml.pre"), name);
    EXPECT_GT(f.getStringArray("tokenizer.ggml.tokens").size(), 30000u);
  }
}

TEST(Gguf, ReadsReferenceModels) {
  const auto dir = test::testdataDir() / "models";
  for (const char* name : {"f32", "f16", "q8_0", "q4_0", "q4_k_m", "q6_k"}) {
    const GgufFile f = GgufFile::open(dir / (std::string("tiny-random-llama-") + name + ".gguf"));
    EXPECT_EQ(f.getString("general.architecture"), "llama") << name;
    EXPECT_EQ(f.getUInt("llama.block_count"), 2u);
    EXPECT_EQ(f.getUInt("llama.embedding_length"), 64u);
    EXPECT_EQ(f.getUInt("llama.attention.head_count"), 4u);
    EXPECT_EQ(f.getUInt("llama.attention.head_count_kv"), 2u);
    EXPECT_EQ(f.getUInt("llama.feed_forward_length"), 192u);
    EXPECT_DOUBLE_EQ(f.getFloat("llama.rope.freq_base"), 10000.0);
    EXPECT_EQ(f.tensors().size(), 20u);
    const GgufTensorInfo* emb = f.findTensor("token_embd.weight");
    ASSERT_NE(emb, nullptr);
    EXPECT_EQ(emb->dims, (std::vector<uint64_t>{64, 32000}));
    const GgufTensorInfo* k = f.findTensor("blk.0.attn_k.weight");
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(k->dims, (std::vector<uint64_t>{64, 32})); // 2 KV heads of 16
    EXPECT_EQ(f.findTensor("output.weight"), nullptr);   // tied embeddings
    for (const auto& t : f.tensors()) {
      EXPECT_GE(t.data, reinterpret_cast<const std::byte*>(0) + 1);
      EXPECT_EQ(t.offset % f.alignment(), 0u);
    }
  }
  const GgufFile f32 = GgufFile::open(dir / "tiny-random-llama-f32.gguf");
  EXPECT_EQ(f32.findTensor("output_norm.weight")->type, GgmlType::F32);
}

TEST(Gguf, GettersNameKeyAndKindOnMismatch) {
  const GgufFile f = GgufFile::open(smallFile());
  try {
    f.getUInt("general.architecture");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("'general.architecture' is STRING"), std::string::npos);
    EXPECT_EQ(e.offset(), kFirstKeyAt);
  }
  EXPECT_THROW(f.getString("missing.key"), FormatError);
  EXPECT_THROW(f.getFloatArray("tokens"), FormatError);
  EXPECT_THROW(f.getIntArray("general.architecture"), FormatError);
  EXPECT_EQ(f.findString("missing.key"), std::nullopt);
  EXPECT_THROW(f.findUInt("general.architecture"), FormatError);
}

TEST(Gguf, ReadsVersion2) {
  // v2 and v3 share the layout (v3 only allowed big-endian files).
  auto bytes = readAll(smallFile());
  poke<uint32_t>(bytes, 4, 2);
  const GgufFile f = GgufFile::open(writeBytes("gguf_v2.gguf", bytes));
  EXPECT_EQ(f.version(), 2u);
  EXPECT_EQ(f.getString("general.architecture"), "llama");
  EXPECT_EQ(f.tensors().size(), 2u);
}

TEST(Gguf, EveryTruncationIsAFormatErrorNeverACrash) {
  const auto bytes = readAll(smallFile());
  ASSERT_GT(bytes.size(), kSecondTensorAt);
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    const auto path = writeBytes("gguf_truncated.gguf", cut);
    EXPECT_THROW(GgufFile::open(path), FormatError) << "truncated at " << n;
  }
}

TEST(Gguf, EveryByteFlipIsHandled) {
  // Corrupting any single byte either still parses or throws FormatError.
  const auto bytes = readAll(smallFile());
  for (size_t i = 0; i < kSecondTensorAt + 32; ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      auto bad = bytes;
      bad[i] ^= mask;
      const auto path = writeBytes("gguf_flipped.gguf", bad);
      try {
        GgufFile::open(path);
      } catch (const FormatError&) {
      }
    }
  }
}

TEST(Gguf, HostileHeaderAndCounts) {
  const auto good = readAll(smallFile());
  auto bytes = good;
  bytes[0] = 'X';
  EXPECT_NE(errorOf("magic.gguf", bytes).find("at byte 0: not a GGUF file"), std::string::npos);

  bytes = good;
  poke<uint32_t>(bytes, 4, 1);
  EXPECT_NE(errorOf("v1.gguf", bytes).find("version 1 is not supported"), std::string::npos);
  poke<uint32_t>(bytes, 4, 0x03000000);
  EXPECT_NE(errorOf("be.gguf", bytes).find("big-endian"), std::string::npos);
  poke<uint32_t>(bytes, 4, 7);
  EXPECT_NE(errorOf("v7.gguf", bytes).find("unsupported GGUF version 7"), std::string::npos);

  bytes = good;
  poke<uint64_t>(bytes, kTensorCountAt, 0x7FFFFFFFFFFFFFFFull);
  EXPECT_NE(errorOf("tensors.gguf", bytes).find("at byte 8: tensor count"), std::string::npos);
  bytes = good;
  poke<uint64_t>(bytes, kKvCountAt, 1ull << 40);
  EXPECT_NE(errorOf("kvs.gguf", bytes).find("at byte 16: metadata count"), std::string::npos);
  bytes = good;
  poke<uint64_t>(bytes, kFirstKeyAt, 0xFFFFFFFFFFFFFFF0ull);
  EXPECT_NE(errorOf("keylen.gguf", bytes).find("metadata key length"), std::string::npos);
  bytes = good;
  poke<uint64_t>(bytes, kTokensCountAt, 1ull << 62);
  EXPECT_NE(errorOf("arraylen.gguf", bytes).find("array of 4611686018427387904 STRING"),
            std::string::npos);
}

TEST(Gguf, HostileValues) {
  const auto good = readAll(smallFile());
  auto bytes = good;
  poke<uint32_t>(bytes, kFirstValueTypeAt, 13);
  EXPECT_NE(errorOf("vtype.gguf", bytes)
                .find("at byte " + std::to_string(kFirstValueTypeAt) +
                      ": unknown metadata value type 13"),
            std::string::npos);
  bytes = good;
  poke<uint32_t>(bytes, kTokensArrayTypeAt, 99);
  EXPECT_NE(errorOf("atype.gguf", bytes).find("unknown array element type 99"), std::string::npos);

  bytes = good;
  bytes[kFirstKeyAt + 8 + 3] = 0xC0; // overlong encoding inside the key
  EXPECT_NE(errorOf("utf8key.gguf", bytes).find("metadata key is not valid UTF-8"),
            std::string::npos);
  bytes = good;
  bytes[kFirstValueTypeAt + 4 + 8 + 1] = 0xFF; // inside "llama"
  EXPECT_NE(errorOf("utf8value.gguf", bytes)
                .find("at byte " + std::to_string(kFirstValueTypeAt + 13) +
                      ": string value is not valid UTF-8"),
            std::string::npos);

  // Two keys of equal length; one byte turns the second into the first.
  GgufWriter w;
  w.setString("abcdef", "x");
  w.setString("abcdeg", "y");
  w.write(test::outputDir() / "dup_src.gguf");
  bytes = readAll(test::outputDir() / "dup_src.gguf");
  const size_t secondKey = 24 + 8 + 6 + 4 + 8 + 1;
  bytes[secondKey + 8 + 5] = 'f';
  EXPECT_NE(errorOf("dupkey.gguf", bytes).find("duplicate metadata key 'abcdef'"),
            std::string::npos);
}

TEST(Gguf, HostileNestingIsBounded) {
  // An ARRAY of ARRAY of ... 100 deep must be refused without deep recursion.
  std::vector<uint8_t> bytes(24);
  std::memcpy(bytes.data(), "GGUF", 4);
  poke<uint32_t>(bytes, 4, 3);
  poke<uint64_t>(bytes, 8, 0);
  poke<uint64_t>(bytes, 16, 1);
  auto append = [&](auto v) {
    const size_t at = bytes.size();
    bytes.resize(at + sizeof(v));
    std::memcpy(bytes.data() + at, &v, sizeof(v));
  };
  append(uint64_t{1});
  bytes.push_back('k');
  append(uint32_t{9});
  for (int i = 0; i < 100; ++i) {
    append(uint32_t{9});
    append(uint64_t{1});
  }
  append(uint32_t{0});
  append(uint64_t{0});
  EXPECT_NE(errorOf("nested.gguf", bytes).find("nested deeper"), std::string::npos);
}

TEST(Gguf, HostileTensorInfos) {
  const auto good = readAll(smallFile());
  auto bytes = good;
  poke<uint32_t>(bytes, kFirstTensorNDimsAt, 9);
  EXPECT_NE(errorOf("ndims.gguf", bytes).find("'t0' has 9 dimensions"), std::string::npos);
  bytes = good;
  poke<uint32_t>(bytes, kFirstTensorTypeAt, 4); // removed Q4_2
  EXPECT_NE(errorOf("ttype.gguf", bytes).find("'t0' has unknown ggml type 4"), std::string::npos);
  bytes = good;
  poke<uint32_t>(bytes, kFirstTensorTypeAt, 8); // Q8_0 rows of 4: not whole blocks
  EXPECT_NE(errorOf("tblock.gguf", bytes).find("not a multiple of the Q8_0 block size 32"),
            std::string::npos);
  bytes = good;
  poke<uint64_t>(bytes, kFirstTensorNDimsAt + 4, 1ull << 40);
  poke<uint64_t>(bytes, kFirstTensorNDimsAt + 12, 1ull << 40);
  EXPECT_NE(errorOf("overflow.gguf", bytes).find("'t0' element count overflows"),
            std::string::npos);
  bytes = good;
  poke<uint64_t>(bytes, kFirstTensorNDimsAt + 4, 1ull << 20);
  EXPECT_NE(errorOf("pastend.gguf", bytes).find("'t0' data [0, +8388608) runs past the end"),
            std::string::npos);
  bytes = good;
  poke<uint64_t>(bytes, kFirstTensorOffsetAt, 8);
  EXPECT_NE(errorOf("misaligned.gguf", bytes).find("'t0' data offset 8 is not aligned to 32"),
            std::string::npos);
  bytes = good;
  poke<uint64_t>(bytes, kFirstTensorOffsetAt, 0xFFFFFFFFFFFFFFE0ull);
  EXPECT_NE(errorOf("hugeoffset.gguf", bytes).find("runs past the end"), std::string::npos);
  bytes = good;
  bytes[kSecondTensorAt + 8 + 1] = '0'; // "t1" -> "t0"
  EXPECT_NE(errorOf("duptensor.gguf", bytes).find("duplicate tensor name 't0'"), std::string::npos);
}

TEST(Gguf, BadAlignmentKey) {
  GgufWriter w;
  w.set("general.alignment", GgufValue::unsignedInt(GgufValueType::UInt32, 32));
  w.write(test::outputDir() / "align_src.gguf");
  auto bytes = readAll(test::outputDir() / "align_src.gguf");
  const size_t valueAt = 24 + 8 + 17 + 4;
  poke<uint32_t>(bytes, valueAt, 24);
  EXPECT_NE(errorOf("align24.gguf", bytes).find("general.alignment 24 is not a non-zero power"),
            std::string::npos);
  poke<uint32_t>(bytes, valueAt, 0);
  EXPECT_NE(errorOf("align0.gguf", bytes).find("power of two"), std::string::npos);
  poke<uint32_t>(bytes, valueAt - 4, static_cast<uint32_t>(GgufValueType::Int32));
  poke<int32_t>(bytes, valueAt, 64);
  EXPECT_NE(errorOf("alignint.gguf", bytes).find("general.alignment is INT32, expected UINT32"),
            std::string::npos);
}

TEST(Gguf, MissingFileAndDirectory) {
  EXPECT_THROW(GgufFile::open(test::outputDir() / "does-not-exist.gguf"), FormatError);
  EXPECT_THROW(GgufFile::open(test::outputDir()), FormatError);
}

TEST(Gguf, ValueAccessorsAndDisplay) {
  const auto v = GgufValue::signedInt(GgufValueType::Int16, -5);
  EXPECT_EQ(v.asInt(), -5);
  EXPECT_DOUBLE_EQ(v.asFloat(), -5.0);
  EXPECT_THROW(v.asUInt(), std::runtime_error);
  EXPECT_THROW(v.asString(), std::runtime_error);
  EXPECT_THROW(GgufValue::unsignedInt(GgufValueType::Int8, 1), std::invalid_argument);
  EXPECT_THROW(GgufValue::array(GgufValueType::UInt8, {GgufValue::boolean(true)}),
               std::invalid_argument);
  std::vector<GgufValue> items;
  for (int i = 0; i < 20; ++i) {
    items.push_back(GgufValue::signedInt(GgufValueType::Int32, i));
  }
  const auto a = GgufValue::array(GgufValueType::Int32, items);
  EXPECT_EQ(a.toDisplayString(3), "[0, 1, 2, ... (20 items of INT32)]");
  EXPECT_EQ(GgufValue::string("a\"b\n").toDisplayString(), "\"a\\\"b\\n\"");
  EXPECT_EQ(GgufValue::boolean(false).toDisplayString(), "false");
}

} // namespace
} // namespace ws::core
