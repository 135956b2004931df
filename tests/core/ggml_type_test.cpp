#include "core/ggml_type.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace ws::core {
namespace {

TEST(GgmlType, IdsMatchGgml) {
  EXPECT_EQ(static_cast<uint32_t>(GgmlType::F32), 0u);
  EXPECT_EQ(static_cast<uint32_t>(GgmlType::F16), 1u);
  EXPECT_EQ(static_cast<uint32_t>(GgmlType::Q4_0), 2u);
  EXPECT_EQ(static_cast<uint32_t>(GgmlType::Q8_0), 8u);
  EXPECT_EQ(static_cast<uint32_t>(GgmlType::Q4_K), 12u);
  EXPECT_EQ(static_cast<uint32_t>(GgmlType::Q6_K), 14u);
  EXPECT_EQ(static_cast<uint32_t>(GgmlType::BF16), 30u);
  EXPECT_EQ(ggmlTypeFromId(30), GgmlType::BF16);
  EXPECT_FALSE(ggmlTypeFromId(4).has_value()); // removed Q4_2
  EXPECT_FALSE(ggmlTypeFromId(31).has_value());
  EXPECT_FALSE(ggmlTypeFromId(1000).has_value());
}

TEST(GgmlType, NamesRoundTrip) {
  EXPECT_EQ(ggmlTypeName(GgmlType::Q4_K), "Q4_K");
  EXPECT_EQ(ggmlTypeFromName("q8_0"), GgmlType::Q8_0);
  EXPECT_EQ(ggmlTypeFromName("BF16"), GgmlType::BF16);
  EXPECT_FALSE(ggmlTypeFromName("Q9_9").has_value());
  for (uint32_t id = 0; id < 64; ++id) {
    if (auto t = ggmlTypeFromId(id)) {
      EXPECT_EQ(ggmlTypeFromName(ggmlTypeName(*t)), t);
    }
  }
}

TEST(GgmlType, BlockGeometryFromGgmlStructs) {
  EXPECT_EQ(ggmlBlockSize(GgmlType::F32), 1u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::F32), 4u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::BF16), 2u);
  EXPECT_EQ(ggmlBlockSize(GgmlType::Q8_0), 32u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q8_0), 34u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q4_0), 18u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q5_0), 22u);
  EXPECT_EQ(ggmlBlockSize(GgmlType::Q4_K), 256u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q4_K), 144u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q6_K), 210u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q2_K), 84u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q3_K), 110u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q5_K), 176u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::Q8_K), 292u);
  EXPECT_EQ(ggmlBlockBytes(GgmlType::MXFP4), 17u);
  EXPECT_DOUBLE_EQ(ggmlBytesPerElement(GgmlType::Q8_0), 1.0625);
  EXPECT_DOUBLE_EQ(ggmlBytesPerElement(GgmlType::Q4_K), 0.5625);
}

TEST(GgmlType, RowBytesChecksBlocksAndOverflow) {
  EXPECT_EQ(rowBytes(GgmlType::F16, 7), 14u);
  EXPECT_EQ(rowBytes(GgmlType::Q8_0, 64), 68u);
  EXPECT_EQ(rowBytes(GgmlType::Q6_K, 512), 420u);
  EXPECT_THROW(rowBytes(GgmlType::Q8_0, 33), std::invalid_argument);
  EXPECT_THROW(rowBytes(GgmlType::F64, std::numeric_limits<uint64_t>::max()), std::overflow_error);
}

TEST(GgmlType, SupportedForCompute) {
  for (GgmlType t :
       {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0,
        GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
    EXPECT_TRUE(isSupportedForCompute(t)) << ggmlTypeName(t);
  }
  EXPECT_FALSE(isSupportedForCompute(GgmlType::Q8_K));
  EXPECT_FALSE(isSupportedForCompute(GgmlType::IQ2_XXS));
  EXPECT_FALSE(isSupportedForCompute(GgmlType::I32));
}

} // namespace
} // namespace ws::core
