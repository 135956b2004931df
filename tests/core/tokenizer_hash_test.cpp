#include "core/tokenizer_hash.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using ws::core::hashBytes;
using ws::core::PairIndex;
using ws::core::TextIndex;

TEST(TokenizerHash, HashDependsOnEveryByteAndTheLength) {
  EXPECT_EQ(hashBytes("abcdefghij"), hashBytes(std::string("abcdefghij")));
  EXPECT_NE(hashBytes("abcdefghij"), hashBytes("abcdefghik"));
  EXPECT_NE(hashBytes("bbcdefghij"), hashBytes("abcdefghij"));
  EXPECT_NE(hashBytes(""), hashBytes(std::string(1, '\0')));
  EXPECT_NE(hashBytes(std::string(8, '\0')), hashBytes(std::string(9, '\0')));
}

TEST(TokenizerHash, TextIndexFindsEveryKeyAndGrows) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) {
    keys.push_back("key" + std::to_string(i * 7919));
  }
  const auto keyOf = [&](int32_t v) -> std::string_view { return keys[v]; };
  TextIndex index;
  EXPECT_EQ(index.find("anything", keyOf), -1);
  for (size_t i = 0; i < keys.size(); ++i) {
    index.insert(keys[i], static_cast<int32_t>(i), false, keyOf);
  }
  EXPECT_EQ(index.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_EQ(index.find(keys[i], keyOf), static_cast<int32_t>(i));
  }
  EXPECT_EQ(index.find("key1", keyOf), -1);
  EXPECT_EQ(index.find("", keyOf), -1);
}

TEST(TokenizerHash, TextIndexDuplicateKeysKeepOrReplace) {
  const std::vector<std::string> keys = {"dup", "dup", "other"};
  const auto keyOf = [&](int32_t v) -> std::string_view { return keys[v]; };
  TextIndex firstWins;
  TextIndex lastWins;
  for (int32_t i = 0; i < 3; ++i) {
    firstWins.insert(keys[i], i, false, keyOf);
    lastWins.insert(keys[i], i, true, keyOf);
  }
  EXPECT_EQ(firstWins.find("dup", keyOf), 0);
  EXPECT_EQ(lastWins.find("dup", keyOf), 1);
  EXPECT_EQ(firstWins.size(), 2u);
}

TEST(TokenizerHash, PairIndexFirstInsertWins) {
  PairIndex<int> index;
  EXPECT_EQ(index.find(42), nullptr);
  for (uint64_t k = 0; k < 3000; ++k) {
    index.insert(k << 32 | (k * 31), static_cast<int>(k));
  }
  index.insert(uint64_t{5} << 32 | 155, -1);
  for (uint64_t k = 0; k < 3000; ++k) {
    const int* v = index.find(k << 32 | (k * 31));
    ASSERT_NE(v, nullptr);
    ASSERT_EQ(*v, static_cast<int>(k));
  }
  EXPECT_EQ(index.find(uint64_t{1} << 32), nullptr);
}

} // namespace

namespace {

TEST(TokenizerHash, PieceIdCacheEncodesEachPieceOnce) {
  ws::core::PieceIdCache cache;
  int calls = 0;
  const auto encode = [&](std::string_view piece, std::vector<int32_t>& ids) {
    ++calls;
    for (const char ch : piece) {
      ids.push_back(ch);
    }
  };
  const std::string text = "ab cd ab";
  std::vector<int32_t> out;
  cache.append(std::string_view(text).substr(0, 2), out, encode);
  cache.append(std::string_view(text).substr(2, 3), out, encode);
  cache.append(std::string_view(text).substr(6, 2), out, encode);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(out, (std::vector<int32_t>{'a', 'b', ' ', 'c', 'd', 'a', 'b'}));
}

} // namespace
