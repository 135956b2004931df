#include "sim/speculative_step.h"

#include "sim/fast_engine.h"
#include "sim/mechanisms.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ws::sim {
namespace {

int centreX(const Region& r) {
  return r.rect.x + r.rect.w / 2;
}
int centreY(const Region& r) {
  return r.rect.y + r.rect.h / 2;
}

const Region& firstRegion(const Placement& p) {
  return p.regions()[size_t(p.stages().front().always.front())];
}
const Region& lastRegion(const Placement& p) {
  return p.regions()[size_t(p.stages().back().always.front())];
}

ChipSpec draftChip(const ChipSpec& chip, int rows) {
  ChipSpec c = chip;
  c.fabricHeight = rows;
  c.wafers = 1;
  return c;
}

// The draft alone in the top `rows` rows of one wafer.
Placement mapDraft(const core::ModelSpec& draft, const ChipSpec& chip, const MapOptions& options,
                   int rows) {
  MapOptions o = options;
  o.wafers = 1;
  o.fewestWafers = false;
  o.reservedRows = 0;
  return mapModel(draft, draftChip(chip, rows), o);
}

double seconds(const TimeBreakdown& cycles, const ChipSpec& chip) {
  return cycles.total() / chip.clockHz;
}

} // namespace

double expectedTokensPerVerifyPass(double acceptanceRate, int draftTokens) {
  if (!(acceptanceRate >= 0.0 && acceptanceRate <= 1.0) || draftTokens < 1) {
    throw std::invalid_argument(fmt::format(
        "expectedTokensPerVerifyPass: acceptance rate {} must be 0 .. 1 and K {} at least 1",
        acceptanceRate, draftTokens));
  }
  if (acceptanceRate == 1.0) {
    return double(draftTokens + 1);
  }
  return (1.0 - std::pow(acceptanceRate, draftTokens + 1)) / (1.0 - acceptanceRate);
}

SpeculativePair mapSpeculativePair(const core::ModelSpec& target, const core::ModelSpec& draft,
                                   const ChipSpec& chip, const MapOptions& options) {
  // The fewest rows the draft maps into: mapping succeeds from some row
  // count up (more rows, more SRAM), so bisect between one row and a wafer.
  int low = 0; // does not map
  int high = chip.fabricHeight - 1;
  try {
    mapDraft(draft, chip, options, high);
  } catch (const FitError& e) {
    throw FitError(fmt::format("the draft {} does not fit beside {} on {}: even alone in {} rows "
                               "of one wafer: {}",
                               draft.name, target.name, chip.name, high, e.what()),
                   e.neededBytes(), e.availableBytes());
  }
  while (high - low > 1) {
    const int mid = low + (high - low) / 2;
    try {
      mapDraft(draft, chip, options, mid);
      high = mid;
    } catch (const FitError&) {
      low = mid;
    }
  }
  Placement draftPlacement = mapDraft(draft, chip, options, high);
  MapOptions targetOptions = options;
  targetOptions.reservedRows = high;
  try {
    Placement targetPlacement = mapModel(target, chip, targetOptions);
    return {std::move(targetPlacement), std::move(draftPlacement), high};
  } catch (const FitError& e) {
    throw FitError(fmt::format("target {} and draft {} do not fit together on {}: the draft takes "
                               "{} of the first wafer's {} rows, leaving the target too little: {}",
                               target.name, draft.name, chip.name, high, chip.fabricHeight,
                               e.what()),
                   e.neededBytes(), e.availableBytes());
  }
}

Placement combinedPlacement(const SpeculativePair& pair) {
  const Placement& target = pair.target;
  std::vector<Region> regions = target.regions();
  const int first = int(regions.size());
  for (const Region& draftRegion : pair.draft.regions()) {
    Region region = draftRegion;
    region.id = first + draftRegion.id;
    region.name = "draft " + draftRegion.name;
    if (region.bytesPerWeight <= 0) {
      region.bytesPerWeight = pair.draft.bytesPerWeight();
    }
    regions.push_back(std::move(region));
  }
  return Placement(target.chip(), target.model(), target.options(), target.wafers(),
                   target.bytesPerWeight(), std::move(regions), target.stages());
}

void DraftEventForwarder::onOp(const OpEvent& event) {
  OpEvent shifted = event;
  shifted.region += m_firstRegion;
  for (EngineObserver* o : m_observers) {
    o->onOp(shifted);
  }
}

void DraftEventForwarder::onActivity(const RegionActivity& activity) {
  RegionActivity shifted = activity;
  shifted.region += m_firstRegion;
  for (EngineObserver* o : m_observers) {
    o->onActivity(shifted);
  }
}

void DraftEventForwarder::onSram(const SramEvent& event) {
  for (EngineObserver* o : m_observers) {
    o->onSram(event);
  }
}

TimeBreakdown tokenTransferCycles(const ChipSpec& chip, const Region& from, const Region& to,
                                  int tokens) {
  const ChipTerms c = terms(chip);
  const double bytes = double(tokens) * kWaveletBytes;
  TimeBreakdown t;
  const int fw = chip.fabricWidth;
  const int fromWafer = centreX(from) / fw;
  const int toWafer = centreX(to) / fw;
  double hops = std::abs(centreY(from) - centreY(to));
  if (fromWafer == toWafer) {
    hops += std::abs(centreX(from) - centreX(to));
  } else {
    // To the facing edge of the source's wafer, over the system-to-system
    // link, and from the facing edge of the destination's (as a Transfer op).
    const bool east = toWafer > fromWafer;
    const int fromEdge = east ? (fromWafer + 1) * fw - 1 : fromWafer * fw;
    const int toEdge = east ? toWafer * fw : (toWafer + 1) * fw - 1;
    hops += std::abs(fromEdge - centreX(from)) + std::abs(centreX(to) - toEdge);
    const double crossings = std::abs(toWafer - fromWafer);
    t.hop += crossings * chip.waferLinkLatencySeconds * c.clockHz;
    t.serialisation += crossings * bytes / chip.waferLinkBytesPerSecond * c.clockHz;
  }
  addMulticast(t, c, hops);
  t.serialisation += std::max(0.0, ceilDiv(bytes, c.link) - 1.0);
  t.dispatch += c.dispatch;
  return t;
}

SpeculativeStepTiming runSpeculativeStep(TimingEngine& draft, TimingEngine& target, int draftTokens,
                                         int accepted, int sequence) {
  if (draftTokens < 1 || accepted < 0 || accepted > draftTokens) {
    throw std::invalid_argument(
        fmt::format("speculative step: K = {} must be at least 1 and accepted {} in 0 .. K",
                    draftTokens, accepted));
  }
  const int64_t context = target.contextLength(sequence);
  // The draft is one entry behind after a step that kept every guess.
  const int64_t lag = context - draft.contextLength(sequence);
  if (lag != 0 && lag != 1) {
    throw std::invalid_argument(
        fmt::format("speculative step: the draft holds {} tokens of context, the target {}",
                    draft.contextLength(sequence), context));
  }
  const Placement& dp = draft.placement();
  const Placement& tp = target.placement();
  SpeculativeStepTiming s;
  s.draftTokens = draftTokens;
  s.accepted = accepted;
  s.start = std::max(draft.now(), target.now());
  draft.waitUntil(sequence, s.start);
  s.draftEnd = s.start;
  for (int i = 0; i < draftTokens; ++i) {
    // A lagging draft's first step takes the last kept guess with the newest
    // token: two tokens streaming through it.
    const TokenTiming t =
        i == 0 && lag == 1 ? draft.prefill(2, sequence) : draft.decodeStep(sequence);
    s.draftSeconds += t.seconds();
    s.breakdown += t.breakdown;
    s.draftEnd = t.simEnd;
  }
  const TimeBreakdown send =
      tokenTransferCycles(tp.chip(), lastRegion(dp), firstRegion(tp), draftTokens);
  s.sendSeconds = seconds(send, tp.chip());
  target.waitUntil(sequence, s.draftEnd + s.sendSeconds);
  const TokenTiming verify = target.prefill(draftTokens + 1, sequence);
  s.verifySeconds = verify.seconds();
  s.verifyStart = verify.simStart;
  s.verifyEnd = verify.simEnd;
  s.verifyCriticalRegion = verify.criticalRegion;
  s.breakdown += verify.breakdown;
  // The verdict: the accepted count and the target's own token.
  const TimeBreakdown reply = tokenTransferCycles(tp.chip(), lastRegion(tp), firstRegion(dp), 2);
  s.replySeconds = seconds(reply, tp.chip());
  TimeBreakdown rollback;
  rollback.dispatch = tp.chip().taskActivationCycles;
  s.rollbackSeconds = seconds(rollback, tp.chip());
  s.breakdown += send.scaled(1.0 / tp.chip().clockHz);
  s.breakdown += reply.scaled(1.0 / tp.chip().clockHz);
  s.breakdown += rollback.scaled(1.0 / tp.chip().clockHz);
  s.end = s.verifyEnd + s.replySeconds + s.rollbackSeconds;
  draft.waitUntil(sequence, s.end);
  target.waitUntil(sequence, s.end);
  // Kept: the newest token and the accepted guesses. The draft wrote entries
  // up to its K - 1th guess; when every guess is kept, its next step writes
  // the last one's.
  const int64_t kept = context + 1 + accepted;
  target.rollbackContext(sequence, target.contextLength(sequence) - kept);
  draft.rollbackContext(sequence, std::max<int64_t>(0, draft.contextLength(sequence) - kept));
  return s;
}

namespace {

// One step on fresh fast engines after a prompt that makes the verify pass
// end at `contextTokens`.
SpeculativeStepTiming stepAtContext(const SpeculativePair& pair, int draftTokens, int accepted,
                                    int64_t contextTokens) {
  FastEngine draft(pair.draft);
  FastEngine target(pair.target);
  const int64_t prompt = std::max<int64_t>(1, contextTokens - draftTokens - 1);
  draft.prefill(prompt);
  target.prefill(prompt);
  return runSpeculativeStep(draft, target, draftTokens, accepted);
}

} // namespace

SpeculativeEstimate estimateSpeculativeDecode(const SpeculativePair& pair, int draftTokens,
                                              double acceptanceRate, int64_t contextTokens) {
  SpeculativeEstimate e;
  e.tokensPerVerifyPass = expectedTokensPerVerifyPass(acceptanceRate, draftTokens);
  const int accepted = std::clamp(int(std::lround(e.tokensPerVerifyPass - 1.0)), 0, draftTokens);
  e.step = stepAtContext(pair, draftTokens, accepted, contextTokens);
  e.tokensPerSecond = e.tokensPerVerifyPass / e.step.seconds();
  return e;
}

std::vector<SpeculativeStepTiming> sweepDraftTokens(const SpeculativePair& pair, int fromK, int toK,
                                                    int64_t contextTokens) {
  if (fromK < 1 || fromK > toK || toK > kMaxDraftTokens) {
    throw std::invalid_argument(fmt::format("draft tokens {}..{}: must be 1 <= from <= to <= {}",
                                            fromK, toK, kMaxDraftTokens));
  }
  std::vector<SpeculativeStepTiming> steps;
  for (int k = fromK; k <= toK; ++k) {
    steps.push_back(stepAtContext(pair, k, 0, contextTokens));
  }
  return steps;
}

} // namespace ws::sim
