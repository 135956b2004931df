#pragma once
// SentencePiece-style BPE (tokenizer.ggml.model = "llama"), as llama.cpp's
// llm_tokenizer_spm: spaces become U+2581 ("▁"), the text starts as single
// characters, and the adjacent pair whose concatenation is the highest-scoring
// token is merged until none is left; characters that end up without a token
// become <0xNN> byte tokens (or the unknown token).
#include "core/tokenizer.h"

#include <array>
#include <string>
#include <vector>

namespace ws::core {

class SpmTokenizer final : public Tokenizer {
public:
  explicit SpmTokenizer(TokenizerVocab vocab);

protected:
  void encodeFragment(std::string_view text, bool atTextStart,
                      std::vector<int32_t>& out) const override;
  std::string pieceOf(int32_t id) const override;

private:
  struct Scratch;
  void encodeSegment(std::string_view segment, Scratch& scratch, std::vector<int32_t>& out) const;

  std::array<int32_t, 256> m_byteTokens{}; // <0xNN> ids, -1 where absent
  // No token has a "▁" after another character, so merges never cross the
  // start of a "▁" run and each such segment can be encoded (and cached) alone.
  bool m_segmentable = false;
};

} // namespace ws::core
