#pragma once
// Speculative decoding on the host (Leviathan et al. 2023, "Fast Inference
// from Transformers via Speculative Decoding"; Chen et al. 2023,
// "Accelerating Large Language Model Decoding with Speculative Sampling"): a
// cheap drafter proposes K tokens, the target model checks them in one verify
// call over K+1 positions, and a rejection rule keeps the target's output
// distribution unchanged. Under greedy settings the output is the target's
// own greedy output, token for token.
//
// Drafters: a smaller model with the same vocabulary, or prompt lookup (the
// tokens that followed the latest earlier occurrence of the last N tokens).
//
// The host runs the verify call as it runs a prompt block
// (InferenceContext::forwardSequence): each weight row is read once for all
// K+1 positions, which is where speculation saves time on a host bound by
// reading weights.
#include "core/generator.h"
#include "core/inference_context.h"
#include "core/sampler.h"
#include "core/tokenizer.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ws::core {

// Longest draft a verify pass checks; longer drafts are almost never accepted
// whole and only cost the target positions.
inline constexpr int kMaxDraftTokens = 32;

// Throws std::invalid_argument naming both files when the draft's tokens do
// not mean what the target's mean: logits width, token count, any token's
// text, BOS or EOS differ.
void checkSameVocabulary(const LlamaModel& target, const Tokenizer& targetTokenizer,
                         const LlamaModel& draft, const Tokenizer& draftTokenizer);

// Prompt lookup: up to `count` tokens that followed the most recent earlier
// occurrence of the last `ngram` tokens of `context`; empty when there is
// none.
std::vector<int32_t> promptLookupDraft(std::span<const int32_t> context, int ngram, int count);

// Dense probabilities over `vocab` tokens from Sampler::distribution's pairs.
std::vector<double> denseDistribution(std::span<const std::pair<int32_t, float>> pairs, int vocab);

// A token drawn from `probabilities` (summing to about 1).
int32_t sampleToken(std::span<const double> probabilities, Xoshiro256& rng);

struct VerifyOutcome {
  bool accepted = false;
  int32_t token = 0; // the draft token when accepted, else the resampled one
};

// One position of the rejection scheme: accepts `drafted` with probability
// min(1, target[drafted] / draft[drafted]); otherwise draws from
// normalize(max(0, target - draft)). The token that comes out is distributed
// as `target`, whatever `draft` is.
VerifyOutcome acceptOrResample(std::span<const double> target, std::span<const double> draft,
                               int32_t drafted, Xoshiro256& rng);

struct SpeculativeOptions {
  int draftTokens = 4; // K: tokens proposed per verify pass, 1..kMaxDraftTokens
  // Prompt lookup's N; 3 as in the original prompt-lookup decoding
  // (github.com/apoorvumang/prompt-lookup-decoding, max_ngram_size).
  int ngram = 3;
};

struct SpeculativeStats {
  int verifyPasses = 0;    // target verify calls
  int drafted = 0;         // draft tokens proposed
  int accepted = 0;        // draft tokens accepted
  int emitted = 0;         // tokens the verify passes produced (before EOS/stop cuts)
  int targetPositions = 0; // positions the target ran after the prompt
  int draftPositions = 0;  // positions the draft model ran after the prompt
  double draftSeconds = 0.0;
  double verifySeconds = 0.0;

  double acceptanceRate() const { return drafted > 0 ? double(accepted) / drafted : 0.0; }
  // Mean tokens emitted per verify pass (accepted draft tokens + the target's own).
  double tokensPerVerify() const { return verifyPasses > 0 ? double(emitted) / verifyPasses : 0.0; }
};

// What one call of SpeculativeGenerator::next() did: the prompt's pass (both
// models take the prompt; the target's logits give the first token), or a
// verify pass (the draft proposed `drafted`, the target checked them and
// kept the first `accepted`, then added its own token).
struct SpeculativePass {
  bool prompt = false;
  std::vector<int32_t> drafted;
  int accepted = 0;
  // Emitted in order: the accepted guesses, then the target's own token;
  // fewer when end-of-sequence, a stop string or the token limit cuts the
  // pass (an end-of-sequence id is not emitted).
  std::vector<GeneratedToken> tokens;
  double draftSeconds = 0.0;  // host: the draft's forward passes
  double verifySeconds = 0.0; // host: the target's (the prompt's for the prompt pass)
};

class SpeculativeGenerator {
public:
  // `draft` null: prompt-lookup drafting. Contexts and tokenizer must outlive
  // the generator. Throws std::invalid_argument for options out of range.
  SpeculativeGenerator(InferenceContext& target, InferenceContext* draft,
                       const Tokenizer* tokenizer, SpeculativeOptions options);
  ~SpeculativeGenerator();
  SpeculativeGenerator(const SpeculativeGenerator&) = delete;
  SpeculativeGenerator& operator=(const SpeculativeGenerator&) = delete;

  // As Generator::start: resets both contexts for `promptIds`; no forward
  // pass runs yet. The sampler's seed drives the drafts and the rejection
  // rule.
  void start(std::span<const int32_t> promptIds, const GenerationOptions& options);
  // The next pass (the prompt's first, as Generator's first token comes from
  // the prompt), or nothing once generation has ended; result() says why.
  std::optional<SpeculativePass> next();
  const GenerationResult& result() const { return m_result; }
  // True once no pass will follow.
  bool finished() const { return m_finished; }

  // start() and next() until the end; `onToken` sees every emitted token and
  // may stop generation (the rest of that pass is then not emitted).
  GenerationResult generate(std::span<const int32_t> promptIds, const GenerationOptions& options,
                            const TokenCallback& onToken = {});

  const SpeculativeStats& stats() const { return m_stats; }
  const SpeculativeOptions& options() const { return m_options; }

  // Thread-safe: ends the generation in progress within a layer of the
  // forward pass running now; next() then returns nothing with
  // StopReason::Cancelled. start() clears it.
  void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }

private:
  // Proposes up to `count` tokens after `sequence` with the draft's
  // distribution at each (for prompt lookup: certainty of its token).
  std::vector<int32_t> propose(const std::vector<int32_t>& sequence, int count,
                               std::vector<std::vector<double>>& draftProbabilities);
  void promptPass(SpeculativePass& pass);
  void verifyPass(SpeculativePass& pass);
  // Emits the pass's tokens until one ends generation.
  void emit(SpeculativePass& pass, std::span<const int32_t> ids, double hostSeconds);

  InferenceContext& m_target;
  InferenceContext* m_draft;
  const Tokenizer* m_tokenizer;
  SpeculativeOptions m_options;
  int32_t m_eos = -1;
  SpeculativeStats m_stats;
  std::atomic<bool> m_cancelled{false};

  // The stream started last.
  GenerationOptions m_generation;
  std::optional<Sampler> m_sampler;
  Xoshiro256 m_rng{0};
  std::vector<int32_t> m_sequence; // prompt, then the emitted ids
  size_t m_promptSize = 0;
  std::optional<TokenEmitter> m_emitter;
  TokenCallback m_onToken;           // generate()'s callback, or none
  TokenCallback m_capture;           // the emitter's: keeps the token for the pass
  SpeculativePass* m_pass = nullptr; // the pass being emitted
  GenerationResult m_result;
  int m_generated = 0;
  bool m_finished = true;
};

} // namespace ws::core
