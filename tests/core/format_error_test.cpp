#include "core/format_error.h"

#include <gtest/gtest.h>

namespace ws::core {
namespace {

TEST(FormatError, NamesFileOffsetAndProblemOnOneLine) {
  const FormatError e("/tmp/model.gguf", 1234, "tensor count 99 cannot fit");
  EXPECT_STREQ(e.what(), "/tmp/model.gguf: at byte 1234: tensor count 99 cannot fit");
  EXPECT_EQ(e.file(), "/tmp/model.gguf");
  EXPECT_EQ(e.offset(), 1234u);
  EXPECT_EQ(e.problem(), "tensor count 99 cannot fit");
}

TEST(FormatError, WithoutOffset) {
  const FormatError e("a.json", "broken JSON");
  EXPECT_STREQ(e.what(), "a.json: broken JSON");
  EXPECT_FALSE(e.offset().has_value());
}

TEST(FormatError, NewlinesInProblemKeepMessageOnOneLine) {
  const FormatError e("f", 0, "line1\nline2\r");
  EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  EXPECT_STREQ(e.what(), "f: at byte 0: line1 line2 ");
}

TEST(FormatError, IsARuntimeError) {
  try {
    throw FormatError("x", 1, "bad");
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "x: at byte 1: bad");
  }
}

} // namespace
} // namespace ws::core
