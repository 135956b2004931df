#include "core/gguf.h"
#include "core/gguf_writer.h"
#include "tests/test_paths.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace ws::core {
namespace {

std::vector<std::byte> patternBytes(size_t n, int seed) {
  std::vector<std::byte> b(n);
  for (size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::byte>((i * 31 + static_cast<size_t>(seed)) & 0xFF);
  }
  return b;
}

TEST(GgufWriter, EveryValueTypeRoundTripsExactly) {
  GgufWriter w;
  w.set("u8", GgufValue::unsignedInt(GgufValueType::UInt8, 250));
  w.set("i8", GgufValue::signedInt(GgufValueType::Int8, -120));
  w.set("u16", GgufValue::unsignedInt(GgufValueType::UInt16, 65000));
  w.set("i16", GgufValue::signedInt(GgufValueType::Int16, -32000));
  w.setUInt32("u32", 4000000000u);
  w.setInt32("i32", -2000000000);
  w.setFloat32("f32", 0.1f);
  w.setBool("bool", true);
  w.setString("str", "héllo \xF0\x9F\x98\x80");
  w.setUInt64("u64", 0xFFFFFFFFFFFFFFFFull);
  w.set("i64", GgufValue::signedInt(GgufValueType::Int64, INT64_MIN));
  w.set("f64", GgufValue::floating(GgufValueType::Float64, 3.141592653589793));
  w.setStringArray("strs", {"a", "", "Ġthe"});
  w.setFloat32Array("floats", {1.5f, -0.25f});
  w.setInt32Array("ints", {1, -2, 3});
  w.set("nested",
        GgufValue::array(GgufValueType::Array,
                         {GgufValue::array(GgufValueType::UInt8,
                                           {GgufValue::unsignedInt(GgufValueType::UInt8, 1)}),
                          GgufValue::array(GgufValueType::String, {})}));
  w.set("empty", GgufValue::array(GgufValueType::Float64, {}));
  const auto path = test::outputDir() / "writer_all_types.gguf";
  w.write(path);

  const GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.version(), 3u);
  ASSERT_EQ(f.metadata().size(), 17u);
  EXPECT_EQ(f.metadata()[0].key, "u8"); // order kept
  EXPECT_EQ(f.find("u8")->type(), GgufValueType::UInt8);
  EXPECT_EQ(f.getUInt("u8"), 250u);
  EXPECT_EQ(f.getInt("i8"), -120);
  EXPECT_EQ(f.getUInt("u16"), 65000u);
  EXPECT_EQ(f.getInt("i16"), -32000);
  EXPECT_EQ(f.getUInt("u32"), 4000000000u);
  EXPECT_EQ(f.getInt("i32"), -2000000000);
  EXPECT_EQ(f.getFloat("f32"), static_cast<double>(0.1f));
  EXPECT_TRUE(f.getBool("bool"));
  EXPECT_EQ(f.getString("str"), "héllo \xF0\x9F\x98\x80");
  EXPECT_EQ(f.getUInt("u64"), 0xFFFFFFFFFFFFFFFFull);
  EXPECT_EQ(f.getInt("i64"), INT64_MIN);
  EXPECT_EQ(f.getFloat("f64"), 3.141592653589793);
  EXPECT_EQ(f.getStringArray("strs"), (std::vector<std::string>{"a", "", "Ġthe"}));
  EXPECT_EQ(f.getFloatArray("floats"), (std::vector<float>{1.5f, -0.25f}));
  EXPECT_EQ(f.getIntArray("ints"), (std::vector<int32_t>{1, -2, 3}));
  const auto& nested = f.find("nested")->asArray();
  EXPECT_EQ(nested.elementType, GgufValueType::Array);
  ASSERT_EQ(nested.items.size(), 2u);
  EXPECT_EQ(nested.items[0].asArray().items[0].asUInt(), 1u);
  EXPECT_EQ(nested.items[1].asArray().elementType, GgufValueType::String);
  EXPECT_TRUE(f.find("empty")->asArray().items.empty());

  // Writing the read values back gives the same bytes.
  GgufWriter again;
  for (const auto& kv : f.metadata()) {
    again.set(kv.key, kv.value);
  }
  const auto path2 = test::outputDir() / "writer_all_types_again.gguf";
  again.write(path2);
  const GgufFile f2 = GgufFile::open(path2);
  ASSERT_EQ(f2.fileSize(), f.fileSize());
  for (size_t i = 0; i < f.metadata().size(); ++i) {
    EXPECT_EQ(f2.metadata()[i].value, f.metadata()[i].value) << f.metadata()[i].key;
  }
}

TEST(GgufWriter, TensorsRoundTripAlignedWithCustomAlignment) {
  for (uint32_t alignment : {32u, 64u, 1u}) {
    GgufWriter w;
    if (alignment != 32) {
      w.setUInt32("general.alignment", alignment);
    }
    const auto a = patternBytes(rowBytes(GgmlType::Q8_0, 64) * 3, 1);
    const auto b = patternBytes(rowBytes(GgmlType::F16, 5), 2);
    const std::vector<float> c{1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    w.addTensor("a", GgmlType::Q8_0, {64, 3}, a);
    w.addTensor("b", GgmlType::F16, {5}, b);
    w.addTensorF32("c", {3, 2}, c);
    const auto path = test::outputDir() / "writer_tensors.gguf";
    w.write(path);

    const GgufFile f = GgufFile::open(path);
    EXPECT_EQ(f.alignment(), alignment);
    EXPECT_EQ(f.dataOffset() % alignment, 0u);
    ASSERT_EQ(f.tensors().size(), 3u);
    const GgufTensorInfo* ta = f.findTensor("a");
    ASSERT_NE(ta, nullptr);
    EXPECT_EQ(ta->type, GgmlType::Q8_0);
    EXPECT_EQ(ta->dims, (std::vector<uint64_t>{64, 3}));
    EXPECT_EQ(ta->byteSize, a.size());
    EXPECT_EQ(std::vector<std::byte>(ta->data, ta->data + ta->byteSize), a);
    const GgufTensorInfo* tb = f.findTensor("b");
    EXPECT_EQ(std::vector<std::byte>(tb->data, tb->data + tb->byteSize), b);
    EXPECT_EQ(tb->offset % alignment, 0u);
    const GgufTensorInfo* tc = f.findTensor("c");
    EXPECT_EQ(tc->elementCount(), 6u);
    EXPECT_EQ(std::memcmp(tc->data, c.data(), 24), 0);
    EXPECT_EQ(f.findTensor("missing"), nullptr);
  }
}

TEST(GgufWriter, RejectsBadTensorsAndAlignment) {
  GgufWriter w;
  const auto bytes = patternBytes(16, 0);
  EXPECT_THROW(w.addTensor("x", GgmlType::F32, {3}, bytes), std::invalid_argument); // 12 != 16
  EXPECT_THROW(w.addTensor("x", GgmlType::Q8_0, {4}, bytes),
               std::invalid_argument); // partial block
  EXPECT_THROW(w.addTensor("", GgmlType::F32, {4}, bytes), std::invalid_argument);
  w.addTensor("x", GgmlType::F32, {4}, bytes);
  EXPECT_THROW(w.addTensor("x", GgmlType::F32, {4}, bytes), std::invalid_argument);
  EXPECT_THROW(w.setUInt32("general.alignment", 48), std::invalid_argument);
  EXPECT_THROW(w.setUInt64("general.alignment", 64), std::invalid_argument);
}

TEST(GgufWriter, ReplacesKeysAndWritesAtomically) {
  GgufWriter w;
  w.setString("general.name", "first");
  w.setUInt32("x", 1);
  w.setString("general.name", "second");
  const auto path = test::outputDir() / "writer_atomic.gguf";
  w.write(path);
  w.write(path); // overwriting an existing file works
  const GgufFile f = GgufFile::open(path);
  ASSERT_EQ(f.metadata().size(), 2u);
  EXPECT_EQ(f.metadata()[0].key, "general.name");
  EXPECT_EQ(f.getString("general.name"), "second");
  for (const auto& entry : std::filesystem::directory_iterator(test::outputDir())) {
    EXPECT_EQ(entry.path().string().find("writer_atomic.gguf.tmp"), std::string::npos);
  }
  EXPECT_THROW(w.write(test::outputDir() / "no-such-dir" / "x.gguf"), std::runtime_error);
}

} // namespace
} // namespace ws::core
