#pragma once
// One sequence being run through a LlamaModel: the KV cache, the scratch
// vectors and the thread pool. Tokens are fed one at a time; each forward()
// returns the logits that predict the next token.
#include "core/attention.h"
#include "core/kv_cache.h"
#include "core/llama_model.h"
#include "core/matvec.h"
#include "core/rope.h"
#include "core/thread_pool.h"

#include <atomic>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace ws::core {

struct ContextOptions {
  int threads = 0;      // 0: std::thread::hardware_concurrency()
  int maxPositions = 0; // 0: the model's context length
};

// forward() past the context limit.
class ContextFullError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A forward pass stopped by the cancel flag (setCancelFlag).
class CancelledError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class InferenceContext {
public:
  // The model must outlive the context. Throws std::invalid_argument when
  // maxPositions exceeds the model's context length.
  explicit InferenceContext(const LlamaModel& model, ContextOptions options = {});

  // Runs `token` at position(), appends its keys/values, advances position()
  // and returns the vocabulary's logits (valid until the next call).
  // Throws ContextFullError when position() == maxPositions() and
  // std::out_of_range for a token outside the vocabulary.
  std::span<const float> forward(int32_t token);

  // Tokens per block of the prompt path: their activations stay in the L2
  // cache while each weight row is dotted with all of them.
  static constexpr size_t kPromptBlockTokens = 32;

  // Runs `tokens` at positions position() .. position() + size - 1 as
  // forward() would one by one, but a block of tokens at a time through
  // matmulBatch (each weight row read and decoded once per block, used for
  // every token of it) and batched causal attention, and returns the logits
  // after the last one. Throws as forward() does, before running anything.
  std::span<const float> forwardPrompt(std::span<const int32_t> tokens);
  // forwardPrompt without the logits: fills the cache for `tokens` (a
  // prompt's tokens before the one whose logits are wanted).
  void prefill(std::span<const int32_t> tokens);
  // Runs `tokens` at positions position() on, in order, as the prompt is
  // run, and returns the logits after each one, row-major
  // [tokens.size()][vocab]. Speculative decoding's verify pass.
  std::vector<float> forwardSequence(std::span<const int32_t> tokens);

  // Forgets every position (the cache memory is kept for reuse).
  void reset() { m_position = 0; }
  // Forgets the positions from `positions` on (speculative decoding's
  // rollback of rejected draft tokens); later forward() calls overwrite
  // their keys and values. Throws std::out_of_range unless
  // 0 <= positions <= position().
  void truncate(int positions);
  int position() const { return m_position; }
  // While `flag` (null: none) is set, forward(), forwardPrompt() and
  // forwardSequence() throw CancelledError at the next layer or prompt token
  // they reach, so that a stop request does not wait for a whole prompt. The
  // flag must outlive its use here. position() then counts only the tokens
  // (or prompt blocks) completed before the cancellation.
  void setCancelFlag(const std::atomic<bool>* flag) { m_cancel = flag; }
  const std::atomic<bool>* cancelFlag() const { return m_cancel; }
  int maxPositions() const { return m_cache.maxPositions(); }
  int threads() const { return m_pool.size(); }
  const LlamaModel& model() const { return m_model; }

private:
  void attentionBlock(const LlamaLayer& layer, int layerIndex, const Rope::Angles& angles);
  void ffnBlock(const LlamaLayer& layer);
  void expertsBlock(const LlamaLayer& layer);
  // forwardPrompt's and forwardSequence's checks: tokens in the vocabulary,
  // at least one, and room for all.
  void checkBlockInput(std::span<const int32_t> tokens) const;
  void promptBlock(std::span<const int32_t> tokens);
  void throwIfCancelled() const {
    if (m_cancel != nullptr && m_cancel->load(std::memory_order_relaxed)) {
      throw CancelledError("cancelled");
    }
  }
  // Per-head RMSNorm of Q and K (qwen3), then RoPE.
  void normAndRotate(const LlamaLayer& layer, std::span<float> q, std::span<float> key,
                     const Rope::Angles& angles);

  const LlamaModel& m_model;
  ThreadPool m_pool;
  Rope m_rope;
  KvCache m_cache;
  MatvecScratch m_scratch;
  int m_position = 0;
  const std::atomic<bool>* m_cancel = nullptr;

  std::vector<float> m_x;      // residual stream
  std::vector<float> m_normed; // RMSNorm output
  std::vector<float> m_q;
  std::vector<float> m_attention;
  std::vector<float> m_projected;
  std::vector<float> m_gate;
  std::vector<float> m_up;
  std::vector<float> m_scores;
  std::vector<float> m_logits;
  // Mixture of experts: router probabilities, the chosen experts' gate/up
  // outputs (one ffn-sized slice per chosen expert) and the weighted sum.
  std::vector<float> m_routerProbs;
  std::vector<int> m_expertOrder;
  std::vector<float> m_expertGate;
  std::vector<float> m_expertUp;
  std::vector<float> m_expertsOut;
  // A prompt block: one row per token.
  std::vector<float> m_blockX;
  std::vector<float> m_blockNormed;
  std::vector<float> m_blockQ;
  std::vector<float> m_blockAttention;
  std::vector<float> m_blockProjected;
  std::vector<float> m_blockGate;
  std::vector<float> m_blockUp;
  std::vector<MatvecScratch> m_blockScratch;
};

} // namespace ws::core
