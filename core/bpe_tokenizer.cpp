#include "core/bpe_tokenizer.h"

#include "core/unicode.h"

#include <algorithm>
#include <stdexcept>

namespace ws::core {
namespace {

// The bytes GPT-2 keeps as themselves: '!'..'~', '¡'..'¬', '®'..'ÿ'.
bool isPrintableByte(uint32_t b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct ByteLevelTables {
  std::array<uint32_t, 256> toCodepoint{};
  std::array<int16_t, 512> toByte{};
};

const ByteLevelTables& byteLevelTables() {
  static const ByteLevelTables tables = [] {
    ByteLevelTables t;
    t.toByte.fill(-1);
    uint32_t shifted = 0;
    for (uint32_t b = 0; b < 256; ++b) {
      t.toCodepoint[b] = isPrintableByte(b) ? b : 256 + shifted++;
      t.toByte[t.toCodepoint[b]] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return tables;
}

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD"; // U+FFFD

} // namespace

uint32_t byteToByteLevelCodepoint(uint8_t byte) {
  return byteLevelTables().toCodepoint[byte];
}

int byteLevelCodepointToByte(uint32_t cp) {
  const auto& toByte = byteLevelTables().toByte;
  return cp < toByte.size() ? toByte[cp] : -1;
}

std::string decodeByteLevel(std::string_view tokenText) {
  std::string bytes;
  bytes.reserve(tokenText.size());
  for (size_t pos = 0; pos < tokenText.size();) {
    const unicode::Utf8Char c = unicode::decodeUtf8(tokenText, pos);
    const int byte = c.valid ? byteLevelCodepointToByte(c.cp) : -1;
    if (byte >= 0) {
      bytes.push_back(static_cast<char>(byte));
    } else {
      bytes.append(tokenText.substr(pos, c.length));
    }
    pos += c.length;
  }
  return bytes;
}

// Per-encode working memory, reused across words.
struct BpeTokenizer::Scratch {
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
  };
  struct Candidate {
    int32_t rank;
    int32_t left; // symbol index
    int32_t right;
    int32_t leftId; // ids when queued: a changed symbol makes the candidate stale
    int32_t rightId;
  };
  // Heap order: lowest rank first, then leftmost.
  static bool later(const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
  }
  std::vector<Symbol> symbols;
  std::vector<Candidate> queue;
  std::vector<std::string_view> words;
};

BpeTokenizer::BpeTokenizer(TokenizerVocab vocab) : Tokenizer(std::move(vocab)) {
  const auto pre = findPreTokenizer(m_vocab.pre);
  if (!pre) {
    throw std::invalid_argument("unknown pre-tokenizer tokenizer.ggml.pre = '" + m_vocab.pre + "'");
  }
  m_pre = *pre;

  const size_t n = m_vocab.tokens.size();
  m_pieces.resize(n);
  for (size_t id = 0; id < n; ++id) {
    const auto type = static_cast<TokenType>(m_vocab.tokenTypes[id]);
    const bool literal = type == TokenType::Control || type == TokenType::UserDefined;
    m_pieces[id] = literal ? m_vocab.tokens[id] : decodeByteLevel(m_vocab.tokens[id]);
  }
  m_bytesToId.reserve(n);
  for (size_t id = 0; id < n; ++id) {
    const auto type = static_cast<TokenType>(m_vocab.tokenTypes[id]);
    if (type != TokenType::Control && type != TokenType::UserDefined) {
      m_bytesToId.insert(m_pieces[id], static_cast<int32_t>(id), false, pieceText());
    }
  }
  for (uint32_t b = 0; b < 256; ++b) {
    const char byte = static_cast<char>(b);
    m_byteTokens[b] = m_bytesToId.find(std::string_view(&byte, 1), pieceText());
  }
  m_replacementKnown =
      std::all_of(kReplacementCharacter.begin(), kReplacementCharacter.end(),
                  [&](char byte) { return m_byteTokens[static_cast<uint8_t>(byte)] >= 0; });

  m_merges.reserve(m_vocab.merges.size());
  std::string joined;
  for (size_t rank = 0; rank < m_vocab.merges.size(); ++rank) {
    const std::string_view merge = m_vocab.merges[rank];
    const size_t space = merge.find(' ', 1);
    if (space == std::string_view::npos) {
      throw std::invalid_argument("merge " + std::to_string(rank) + " ('" + std::string(merge) +
                                  "') is not two tokens separated by a space");
    }
    const std::string_view left = merge.substr(0, space);
    const std::string_view right = merge.substr(space + 1);
    joined.assign(left).append(right);
    const int32_t leftId = findToken(left);
    const int32_t rightId = findToken(right);
    const int32_t result = findToken(joined);
    // A merge whose parts or result are not tokens can never apply to ids.
    if (leftId >= 0 && rightId >= 0 && result >= 0) {
      m_merges.insert(pairKey(leftId, rightId), Merge{static_cast<int32_t>(rank), result});
    }
  }
}

void BpeTokenizer::encodeWord(std::string_view word, Scratch& s, std::vector<int32_t>& out) const {
  if (m_pre.ignoreMerges) {
    if (const int32_t id = m_bytesToId.find(word, pieceText()); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  // Vocabularies may lack the bytes that never occur in valid UTF-8 (0xC0,
  // 0xF5..0xFF, ...): such a byte is encoded as U+FFFD, as llama.cpp encodes
  // every invalid byte.
  const bool bytesKnown = std::all_of(word.begin(), word.end(), [&](char byte) {
    return m_byteTokens[static_cast<uint8_t>(byte)] >= 0;
  });
  if (!bytesKnown && m_replacementKnown) {
    std::string replaced;
    for (const char byte : word) {
      if (m_byteTokens[static_cast<uint8_t>(byte)] >= 0) {
        replaced.push_back(byte);
      } else {
        replaced.append(kReplacementCharacter);
      }
    }
    encodeWord(replaced, s, out);
    return;
  }
  auto& symbols = s.symbols;
  auto& queue = s.queue;
  symbols.clear();
  queue.clear();
  const auto count = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < count; ++i) {
    symbols.push_back(
        {m_byteTokens[static_cast<uint8_t>(word[i])], i - 1, i + 1 < count ? i + 1 : -1});
  }
  auto tryQueue = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) {
      return;
    }
    const int32_t leftId = symbols[left].id;
    const int32_t rightId = symbols[right].id;
    if (leftId < 0 || rightId < 0) {
      return;
    }
    const Merge* merge = m_merges.find(pairKey(leftId, rightId));
    if (merge == nullptr) {
      return;
    }
    queue.push_back({merge->rank, left, right, leftId, rightId});
    std::push_heap(queue.begin(), queue.end(), Scratch::later);
  };
  for (int32_t i = 0; i + 1 < count; ++i) {
    tryQueue(i, i + 1);
  }
  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), Scratch::later);
    const Scratch::Candidate c = queue.back();
    queue.pop_back();
    auto& left = symbols[c.left];
    auto& right = symbols[c.right];
    if (left.id != c.leftId || right.id != c.rightId || left.next != c.right) {
      continue; // stale: one side has merged since it was queued
    }
    left.id = m_merges.find(pairKey(c.leftId, c.rightId))->result;
    left.next = right.next;
    if (right.next >= 0) {
      symbols[right.next].prev = c.left;
    }
    right.id = -1; // marks the symbol as absorbed
    right.prev = -1;
    right.next = -1;
    tryQueue(left.prev, c.left);
    tryQueue(c.left, left.next);
  }
  for (int32_t i = 0; i >= 0 && i < count; i = symbols[i].next) {
    if (symbols[i].id >= 0) {
      out.push_back(symbols[i].id);
    } else if (m_vocab.unk >= 0) {
      out.push_back(m_vocab.unk);
    }
  }
}

void BpeTokenizer::encodeFragment(std::string_view text, bool, std::vector<int32_t>& out) const {
  Scratch s;
  PieceIdCache cache;
  preTokenize(m_pre.kind, text, s.words);
  const auto encode = [&](std::string_view word, std::vector<int32_t>& ids) {
    encodeWord(word, s, ids);
  };
  for (const std::string_view word : s.words) {
    cache.append(word, out, encode);
  }
}

std::string BpeTokenizer::pieceOf(int32_t id) const {
  return m_pieces[id];
}

} // namespace ws::core
