#include "core/spm_tokenizer.h"

#include "core/unicode.h"

#include <algorithm>
#include <cstdio>

namespace ws::core {
namespace {

constexpr std::string_view kSpaceMark = "\xE2\x96\x81"; // U+2581, SentencePiece's space

bool startsWithSpaceMark(std::string_view s, size_t pos) {
  return s.compare(pos, kSpaceMark.size(), kSpaceMark) == 0;
}

// <0xNN> -> NN, or -1 when the text is not a byte token's.
int parseByteToken(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') {
    return -1;
  }
  int value = 0;
  for (const char ch : text.substr(3, 2)) {
    int digit = -1;
    if (ch >= '0' && ch <= '9') {
      digit = ch - '0';
    } else if (ch >= 'A' && ch <= 'F') {
      digit = ch - 'A' + 10;
    } else if (ch >= 'a' && ch <= 'f') {
      digit = ch - 'a' + 10;
    }
    if (digit < 0) {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

} // namespace

struct SpmTokenizer::Scratch {
  struct Symbol {
    uint32_t begin;  // byte range in the segment
    uint32_t length; // 0 once merged into its left neighbour
    int32_t prev;
    int32_t next;
  };
  struct Candidate {
    float score;
    int32_t left;
    int32_t right;
    uint32_t length; // of the merged text when queued; a mismatch marks it stale
  };
  // Heap order: highest score first, then leftmost.
  static bool later(const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score < b.score : a.left > b.left;
  }
  std::vector<Symbol> symbols;
  std::vector<Candidate> queue;
};

SpmTokenizer::SpmTokenizer(TokenizerVocab vocab) : Tokenizer(std::move(vocab)) {
  for (uint32_t b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    int32_t id = findToken(name);
    if (id < 0) {
      const char byte = static_cast<char>(b);
      id = findToken(std::string_view(&byte, 1));
    }
    m_byteTokens[b] = id;
  }
  m_segmentable = std::none_of(m_vocab.tokens.begin(), m_vocab.tokens.end(), [](const auto& t) {
    for (size_t pos = t.find(kSpaceMark, 1); pos != std::string::npos;
         pos = t.find(kSpaceMark, pos + 1)) {
      if (pos < kSpaceMark.size() || !startsWithSpaceMark(t, pos - kSpaceMark.size())) {
        return true;
      }
    }
    return false;
  });
}

void SpmTokenizer::encodeSegment(std::string_view segment, Scratch& s,
                                 std::vector<int32_t>& out) const {
  if (segment.empty()) {
    return;
  }
  auto& symbols = s.symbols;
  auto& queue = s.queue;
  symbols.clear();
  queue.clear();
  for (size_t pos = 0; pos < segment.size();) {
    const auto length = unicode::decodeUtf8(segment, pos).length;
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({static_cast<uint32_t>(pos), length, index - 1, index + 1});
    pos += length;
  }
  symbols.back().next = -1;

  auto tryQueue = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) {
      return;
    }
    const uint32_t length = symbols[left].length + symbols[right].length;
    const int32_t id = findToken(segment.substr(symbols[left].begin, length));
    if (id < 0) {
      return;
    }
    queue.push_back({m_vocab.scores[id], left, right, length});
    std::push_heap(queue.begin(), queue.end(), Scratch::later);
  };
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    tryQueue(static_cast<int32_t>(i), static_cast<int32_t>(i + 1));
  }
  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), Scratch::later);
    const Scratch::Candidate c = queue.back();
    queue.pop_back();
    auto& left = symbols[c.left];
    auto& right = symbols[c.right];
    if (left.length == 0 || right.length == 0 || left.next != c.right ||
        left.length + right.length != c.length) {
      continue; // stale
    }
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) {
      symbols[right.next].prev = c.left;
    }
    tryQueue(left.prev, c.left);
    tryQueue(c.left, left.next);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) {
    const std::string_view text = segment.substr(symbols[i].begin, symbols[i].length);
    if (const int32_t id = findToken(text); id >= 0) {
      out.push_back(id);
      continue;
    }
    // A character without a piece: its bytes, or one unknown token when the
    // vocabulary has no byte tokens for them.
    const bool bytesKnown = std::all_of(text.begin(), text.end(), [&](char byte) {
      return m_byteTokens[static_cast<uint8_t>(byte)] >= 0;
    });
    if (bytesKnown) {
      for (const char byte : text) {
        out.push_back(m_byteTokens[static_cast<uint8_t>(byte)]);
      }
    } else if (m_vocab.unk >= 0) {
      out.push_back(m_vocab.unk);
    }
  }
}

void SpmTokenizer::encodeFragment(std::string_view text, bool atTextStart,
                                  std::vector<int32_t>& out) const {
  std::string escaped;
  escaped.reserve(text.size() + text.size() / 2 + kSpaceMark.size());
  if (m_vocab.addSpacePrefix && atTextStart) {
    escaped = kSpaceMark;
  }
  for (const char ch : text) {
    if (ch == ' ') {
      escaped.append(kSpaceMark);
    } else {
      escaped.push_back(ch);
    }
  }
  const std::string_view all = escaped;
  Scratch s;
  if (!m_segmentable) {
    encodeSegment(all, s, out);
    return;
  }
  // Segments start where a run of "▁" starts after another character.
  PieceIdCache cache;
  const auto encode = [&](std::string_view segment, std::vector<int32_t>& ids) {
    encodeSegment(segment, s, ids);
  };
  size_t begin = 0;
  auto flush = [&](size_t end) {
    cache.append(all.substr(begin, end - begin), out, encode);
    begin = end;
  };
  for (size_t pos = all.find(kSpaceMark, 1); pos != std::string_view::npos;
       pos = all.find(kSpaceMark, pos + kSpaceMark.size())) {
    if (pos > begin &&
        !(pos >= kSpaceMark.size() && startsWithSpaceMark(all, pos - kSpaceMark.size()))) {
      flush(pos);
    }
  }
  if (begin < all.size()) {
    flush(all.size());
  }
}

std::string SpmTokenizer::pieceOf(int32_t id) const {
  const std::string& text = m_vocab.tokens[id];
  switch (static_cast<TokenType>(m_vocab.tokenTypes[id])) {
  case TokenType::Control:
  case TokenType::UserDefined:
    return text;
  case TokenType::Byte:
    if (const int byte = parseByteToken(text); byte >= 0) {
      return std::string(1, static_cast<char>(byte));
    }
    return text;
  default:
    break;
  }
  std::string piece;
  piece.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    if (startsWithSpaceMark(text, pos)) {
      piece.push_back(' ');
      pos += kSpaceMark.size();
    } else {
      piece.push_back(text[pos++]);
    }
  }
  return piece;
}

} // namespace ws::core
