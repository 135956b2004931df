#pragma once
// Byte-level BPE (tokenizer.ggml.model = "gpt2"), as llama.cpp's
// llm_tokenizer_bpe: text is cut into words by the pre-tokenizer, each word's
// bytes start as single-byte tokens and the lowest-ranked mergeable pair is
// merged until none is left.
#include "core/pretokenizer.h"
#include "core/tokenizer.h"

#include <array>
#include <string>
#include <vector>

namespace ws::core {

// GPT-2's reversible byte <-> character mapping: printable bytes stand for
// themselves, the others for U+0100 upwards.
uint32_t byteToByteLevelCodepoint(uint8_t byte);
// The byte a byte-level character stands for, or -1 when it stands for none.
int byteLevelCodepointToByte(uint32_t cp);
// The bytes a byte-level token text stands for; characters outside the
// mapping are kept as they are.
std::string decodeByteLevel(std::string_view tokenText);

class BpeTokenizer final : public Tokenizer {
public:
  // Throws std::invalid_argument for an unknown pre-tokenizer or a malformed
  // merge.
  explicit BpeTokenizer(TokenizerVocab vocab);

protected:
  void encodeFragment(std::string_view text, bool atTextStart,
                      std::vector<int32_t>& out) const override;
  std::string pieceOf(int32_t id) const override;

private:
  struct Merge {
    int32_t rank = 0;
    int32_t result = 0;
  };
  struct Scratch;
  void encodeWord(std::string_view word, Scratch& scratch, std::vector<int32_t>& out) const;
  auto pieceText() const {
    return [this](int32_t id) -> std::string_view { return m_pieces[id]; };
  }
  static uint64_t pairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }

  PreTokenizerSpec m_pre;
  std::vector<std::string> m_pieces; // decoded bytes of every token
  // Decoded bytes -> id for the tokens BPE may produce (not CONTROL or
  // USER_DEFINED); keys: m_pieces.
  TextIndex m_bytesToId;
  std::array<int32_t, 256> m_byteTokens{}; // -1 where the vocabulary lacks a byte
  bool m_replacementKnown = false;         // the bytes of U+FFFD all have tokens
  PairIndex<Merge> m_merges;
};

} // namespace ws::core
