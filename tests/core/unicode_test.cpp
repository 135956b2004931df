#include "core/unicode.h"
#include "core/unicode_tables.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace ws::core::unicode;

TEST(UnicodeFlags, GeneralCategoriesOfKnownCodepoints) {
  EXPECT_EQ(codepointFlags('a'), kLetter);
  EXPECT_EQ(codepointFlags('Z'), kLetter);
  EXPECT_EQ(codepointFlags('7'), kNumber);
  EXPECT_EQ(codepointFlags('!'), kPunctuation);
  EXPECT_EQ(codepointFlags('_'), kPunctuation);
  EXPECT_EQ(codepointFlags('$'), kSymbol);
  EXPECT_EQ(codepointFlags('+'), kSymbol);
  EXPECT_EQ(codepointFlags(0x00E9), kLetter);      // é
  EXPECT_EQ(codepointFlags(0x0416), kLetter);      // Ж
  EXPECT_EQ(codepointFlags(0x4E2D), kLetter);      // 中 (Lo)
  EXPECT_EQ(codepointFlags(0x0660), kNumber);      // Arabic-Indic zero (Nd)
  EXPECT_EQ(codepointFlags(0x00BD), kNumber);      // ½ (No)
  EXPECT_EQ(codepointFlags(0x0301), kMark);        // combining acute
  EXPECT_EQ(codepointFlags(0x17D2), kMark);        // Khmer coeng
  EXPECT_EQ(codepointFlags(0x1F600), kSymbol);     // 😀
  EXPECT_EQ(codepointFlags(0x200D), kOther);       // zero width joiner (Cf)
  EXPECT_EQ(codepointFlags(0xFF01), kPunctuation); // ！
  EXPECT_EQ(codepointFlags(0x0378), 0);            // unassigned
  EXPECT_EQ(codepointFlags(0x110000), 0);          // past Unicode
}

TEST(UnicodeFlags, WhiteSpaceIsThePropertyNotIsspace) {
  EXPECT_EQ(codepointFlags(' '), kSeparator | kWhitespace);
  EXPECT_EQ(codepointFlags('\t'), kOther | kWhitespace);
  EXPECT_EQ(codepointFlags('\n'), kOther | kWhitespace);
  EXPECT_EQ(codepointFlags(0x0B), kOther | kWhitespace);
  EXPECT_EQ(codepointFlags(0x85), kOther | kWhitespace);
  EXPECT_EQ(codepointFlags(0xA0), kSeparator | kWhitespace);
  EXPECT_EQ(codepointFlags(0x3000), kSeparator | kWhitespace);
  EXPECT_EQ(codepointFlags(0x2029), kSeparator | kWhitespace);
  // Python's isspace() counts the information separators, \s does not.
  EXPECT_EQ(codepointFlags(0x1C), kOther);
  EXPECT_EQ(codepointFlags(0x200B), kOther); // zero width space is Cf, not White_Space
}

TEST(UnicodeTables, RangesAreSortedCompactAndStartAtZero) {
  ASSERT_FALSE(kCodepointRanges.empty());
  EXPECT_EQ(kCodepointRanges.front() >> 8, 0u);
  for (size_t i = 1; i < kCodepointRanges.size(); ++i) {
    ASSERT_LT(kCodepointRanges[i - 1] >> 8, kCodepointRanges[i] >> 8) << "entry " << i;
    // Neighbouring ranges differ, else they would have been one range.
    ASSERT_NE(kCodepointRanges[i - 1] & 0xFF, kCodepointRanges[i] & 0xFF) << "entry " << i;
  }
  EXPECT_LE(kCodepointRanges.back() >> 8, 0x10FFFFu);
  EXPECT_LT(kCodepointRanges.size(), 4000u);
  EXPECT_FALSE(kUnicodeVersion.empty());
}

TEST(Utf8, DecodesValidSequencesOfEveryLength) {
  const std::string text = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";
  Utf8Char c = decodeUtf8(text, 0);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.cp, 'a');
  EXPECT_EQ(c.length, 1u);
  c = decodeUtf8(text, 1);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.cp, 0xE9u);
  EXPECT_EQ(c.length, 2u);
  c = decodeUtf8(text, 3);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.cp, 0x4E2Du);
  EXPECT_EQ(c.length, 3u);
  c = decodeUtf8(text, 6);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.cp, 0x1F600u);
  EXPECT_EQ(c.length, 4u);
  EXPECT_TRUE(isValidUtf8(text));
}

TEST(Utf8, InvalidSequencesConsumeOneByte) {
  for (const std::string bad :
       {"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xF5\x80\x80\x80", "\xFF", "\xE2\x82", "\xF0\x9F\x98", "\xC3"}) {
    const Utf8Char c = decodeUtf8(bad, 0);
    EXPECT_FALSE(c.valid) << static_cast<int>(static_cast<uint8_t>(bad[0]));
    EXPECT_EQ(c.length, 1u);
    EXPECT_EQ(c.cp, static_cast<uint8_t>(bad[0]));
    EXPECT_FALSE(isValidUtf8(bad));
  }
  // A lead byte followed by ASCII is invalid, and the ASCII survives.
  const std::string mixed = "\xE2"
                            "a";
  EXPECT_FALSE(decodeUtf8(mixed, 0).valid);
  EXPECT_EQ(decodeUtf8(mixed, 1).cp, 'a');
}

TEST(Utf8, AppendRoundTripsEveryScalarValue) {
  for (uint32_t cp = 0; cp <= 0x10FFFF; cp += (cp < 0x800 ? 1 : 97)) {
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      continue;
    }
    std::string s;
    appendUtf8(s, cp);
    const Utf8Char c = decodeUtf8(s, 0);
    ASSERT_TRUE(c.valid) << cp;
    ASSERT_EQ(c.cp, cp);
    ASSERT_EQ(c.length, s.size());
    ASSERT_EQ(utf8SequenceLength(static_cast<uint8_t>(s[0])), s.size());
  }
  EXPECT_EQ(utf8SequenceLength(0x80), 0u);
  EXPECT_EQ(utf8SequenceLength(0xC0), 0u);
  EXPECT_EQ(utf8SequenceLength(0xF5), 0u);
}

} // namespace
