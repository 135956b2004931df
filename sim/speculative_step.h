#pragma once
// Speculative decoding on the wafer (Leviathan et al. 2023; Chen et al.
// 2023): a small draft model of the target's family, mapped beside the target
// on the same wafer, guesses K tokens; the target checks them in one pass of
// K + 1 tokens; the caches drop the rejected guesses.
//
// A speculative step, each phase timed by the engine that runs it or by the
// mechanisms of sim/mechanisms.h:
//   draft    K decode steps of the draft (its engine)
//   send     the K draft tokens from the draft's last region (its sampler) to
//            the target's first (its embedding): one 32-bit wavelet per token
//            over the mesh, as a Transfer op moves bytes
//   verify   the target's pass over the newest token and the K guesses: a
//            short prefill (its engine), K + 1 tokens streaming through the
//            layer pipeline behind each other
//   reply    the verdict (accepted count and the target's own next token)
//            from the target's last region back to the draft's first
//   rollback every region holding KV cache sets its cache length from the
//            verdict: one task activation (TimingEngine::rollbackContext; no
//            bytes move)
// Tokens per verify pass: the expected number a pass commits with
// per-token acceptance rate a, (1 - a^(K+1)) / (1 - a) (Leviathan et al.,
// eq. 1: accepted guesses plus the target's own token). Tokens/s = that /
// the step time. The step time does not depend on how many guesses are
// accepted (a rollback costs the same for any count).
#include "core/model_spec.h"
#include "sim/mapper.h"
#include "sim/serving_profile.h"
#include "sim/timing_engine.h"

#include <vector>

namespace ws::sim {

// (1 - a^(K+1)) / (1 - a); K + 1 when a = 1. Throws std::invalid_argument
// for a outside [0, 1] or K < 1.
double expectedTokensPerVerifyPass(double acceptanceRate, int draftTokens);

// Draft and target on one chip: the draft in the top `draftRows` rows of the
// first wafer (the fewest rows it maps into), the target on the rest
// (MapOptions::reservedRows). Both placements use global PE coordinates.
struct SpeculativePair {
  Placement target;
  Placement draft; // its chip: the draft's rows of the first wafer
  int draftRows = 0;
};

// Throws FitError naming both models when they do not fit together.
SpeculativePair mapSpeculativePair(const core::ModelSpec& target, const core::ModelSpec& draft,
                                   const ChipSpec& chip, const MapOptions& options);

// One picture of both models for the heatmap, its inspector and the SRAM
// chart: the target's placement (chip, model, options, stages) with the
// draft's regions appended after the target's, named "draft <name>". Not for
// timing: each engine runs its own placement.
Placement combinedPlacement(const SpeculativePair& pair);

// Forwards a draft engine's op, activity and SRAM events to observers of
// combinedPlacement(pair), its region ids shifted past the target's (its
// token events are its own steps, not the run's tokens, and stay behind).
class DraftEventForwarder : public EngineObserver {
public:
  DraftEventForwarder(int firstRegion, std::vector<EngineObserver*> observers)
      : m_firstRegion(firstRegion), m_observers(std::move(observers)) {}
  void onOp(const OpEvent& event) override;
  void onActivity(const RegionActivity& activity) override;
  void onSram(const SramEvent& event) override;

private:
  int m_firstRegion;
  std::vector<EngineObserver*> m_observers;
};

// Cycles to move `tokens` token ids (one 32-bit wavelet each) from region
// `from` to region `to` (global coordinates on `chip`): the ramps, the
// Manhattan hops (to the wafer edge, over the system-to-system link and on
// from the next wafer's edge when the wafers differ), the stream of wavelets
// and the receiver's task, as a Transfer op moves bytes.
TimeBreakdown tokenTransferCycles(const ChipSpec& chip, const Region& from, const Region& to,
                                  int tokens);

struct SpeculativeStepTiming {
  int draftTokens = 0;
  int accepted = 0; // draft tokens the target accepted this step
  double draftSeconds = 0.0;
  double sendSeconds = 0.0;
  double verifySeconds = 0.0;
  double replySeconds = 0.0;
  double rollbackSeconds = 0.0;
  // The phases on the engines' shared clock (seconds): the draft's steps in
  // [start, draftEnd], the target's verify pass in [verifyStart, verifyEnd],
  // the step over at end (reply and rollback done).
  double start = 0.0;
  double draftEnd = 0.0;
  double verifyStart = 0.0;
  double verifyEnd = 0.0;
  double end = 0.0;
  int verifyCriticalRegion = -1; // of the target's placement
  TimeBreakdown breakdown;       // seconds, all phases
  double seconds() const {
    return draftSeconds + sendSeconds + verifySeconds + replySeconds + rollbackSeconds;
  }
};

// Runs one step on the two engines (fast or detailed; their placements from
// mapSpeculativePair or any pair on one chip): K draft decode steps, the
// target's verify pass of K + 1 tokens, and the rollback of both caches to
// the tokens kept (`accepted` guesses plus the target's own). The engines
// share one clock: the step starts when both have finished their earlier
// steps, the target waits for the draft's tokens, the draft for the verdict
// (TimingEngine::waitUntil), so their events line up on one timeline. The draft's
// cache holds the target's context, or one entry less after a step that kept
// every guess (its first draft step then takes two tokens).
SpeculativeStepTiming runSpeculativeStep(TimingEngine& draft, TimingEngine& target, int draftTokens,
                                         int accepted, int sequence = 0);

struct SpeculativeEstimate {
  SpeculativeStepTiming step;
  double tokensPerVerifyPass = 0.0;
  double tokensPerSecond = 0.0;
};

// One step on fast engines whose verify pass ends at `contextTokens` (both
// models first take the prompt before it), at the expected tokens per verify pass
// of `acceptanceRate`.
SpeculativeEstimate estimateSpeculativeDecode(const SpeculativePair& pair, int draftTokens,
                                              double acceptanceRate, int64_t contextTokens);

// One step per K in [fromK, toK] on fast engines, each verify pass ending at
// `contextTokens`: the what-if of K. The step time does not depend on the
// acceptance rate, so tokens/s at any rate a is expectedTokensPerVerifyPass(a, K)
// / step.seconds(). Throws std::invalid_argument unless 1 <= fromK <= toK <=
// kMaxDraftTokens.
std::vector<SpeculativeStepTiming> sweepDraftTokens(const SpeculativePair& pair, int fromK, int toK,
                                                    int64_t contextTokens);

} // namespace ws::sim
