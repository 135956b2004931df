#include "render/field.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace ws::render {
namespace {

TEST(Field, ValidateRejectsSizeMismatch) {
  EXPECT_NO_THROW(validateField(Field{}));
  EXPECT_NO_THROW(validateField(Field{0, 7, {}}));
  EXPECT_NO_THROW(validateField(Field{2, 3, std::vector<float>(6)}));
  try {
    validateField(Field{3, 2, std::vector<float>(5)});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "field 3 x 2 needs 6 values but has 5");
  }
}

TEST(Field, AutomaticRangeUsesFiniteValuesOnly) {
  Field f{4, 1, {2.0f, NAN, INFINITY, -1.5f}};
  const ResolvedRange r = resolveRange(ValueRange::automaticRange(), f);
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.min, -1.5f);
  EXPECT_EQ(r.max, 2.0f);
  EXPECT_TRUE(r.hasNoData);
}

TEST(Field, AllNanHasNoValidRange) {
  Field f{2, 2, {NAN, NAN, NAN, NAN}};
  const ResolvedRange r = resolveRange(ValueRange::automaticRange(), f);
  EXPECT_FALSE(r.valid);
  EXPECT_TRUE(r.hasNoData);
  EXPECT_FALSE(resolveRange(ValueRange::automaticRange(), Field{}).valid);
}

TEST(Field, FixedRangeIsKeptAndChecked) {
  Field f{2, 1, {5.0f, 6.0f}};
  const ResolvedRange r = resolveRange(ValueRange::fixed(0.0f, 100.0f), f);
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.min, 0.0f);
  EXPECT_EQ(r.max, 100.0f);
  EXPECT_FALSE(r.hasNoData);
  EXPECT_THROW(resolveRange(ValueRange::fixed(2.0f, 1.0f), f), std::invalid_argument);
  EXPECT_THROW(resolveRange(ValueRange::fixed(0.0f, NAN), f), std::invalid_argument);
}

TEST(Field, CellRectContains) {
  const CellRect r{2, 3, 4, 5};
  EXPECT_TRUE(r.contains(2, 3));
  EXPECT_TRUE(r.contains(5, 7));
  EXPECT_FALSE(r.contains(6, 7));
  EXPECT_FALSE(r.contains(5, 8));
  EXPECT_FALSE(r.contains(1, 3));
}

} // namespace
} // namespace ws::render
