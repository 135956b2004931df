#include "sim/run_report.h"

#include "sim/fast_engine.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

namespace ws::sim {

double RunReport::speedupOver(const GpuEstimate& gpu) const {
  return gpu.decodeTokensPerSecond > 0 ? decodeTokensPerSecond / gpu.decodeTokensPerSecond : 0.0;
}

RunReport makeRunReport(const Placement& placement, const std::string& engine,
                        const TokenTimeline& timeline, const BottleneckReport& bottlenecks,
                        const std::vector<GpuSpec>& gpus) {
  RunReport r;
  r.model = placement.model().name;
  r.chip = placement.chip().name;
  r.engine = engine;
  r.wafers = placement.wafers();
  r.sequences = placement.options().sequences;
  for (const TokenTiming& t : timeline.tokens()) {
    if (t.prefill) {
      r.promptTokens += t.tokens;
    }
  }
  r.generatedTokens = int64_t(timeline.generatedTokens());
  r.timeToFirstTokenSeconds = timeline.timeToFirstToken();
  r.decodeTokensPerSecond = timeline.decodeTokensPerSecond();
  // The band: the step's closed form at each extreme against its value at the
  // chip's own parameters, applied to the measured rate (any engine).
  const ChipSpec& chip = placement.chip();
  const int64_t mapped = placement.options().contextTokens;
  const double nominal = predictDecodeSeconds(placement, mapped);
  auto at = [&](bool slower) {
    const ChipSpec extreme = chip.atUnconfirmedExtreme(slower);
    return nominal / predictDecodeSeconds(extreme, placement.bytesPerWeight(), placement.regions(),
                                          placement.stages(), mapped);
  };
  r.decodeTokensPerSecondLow = r.decodeTokensPerSecond * at(true);
  r.decodeTokensPerSecondHigh = r.decodeTokensPerSecond * at(false);
  r.unconfirmedParameters = chip.unconfirmedTimingFields();
  r.secondsPerToken = timeline.meanDecodeSeconds();
  r.joulesPerToken = r.decodeTokensPerSecond > 0
                         ? placement.chip().systemPowerWatts() / r.decodeTokensPerSecond
                         : 0.0;
  r.decodeBreakdown = timeline.decodeBreakdown();
  r.bottlenecks = bottlenecks.ranked(10);
  r.sramUsedBytes = placement.sramTotal().total();
  r.sramTotalBytes =
      placement.chip().sramBytesPerPe * double(placement.chip().pesPerWafer()) * placement.wafers();
  r.pesUsed = placement.usedPes();
  int64_t context = 0;
  for (const TokenTiming& t : timeline.tokens()) {
    context = std::max(context, t.contextLength);
  }
  for (const GpuSpec& gpu : gpus) {
    r.gpus.push_back(estimateGpu(gpu, placement.model(), placement.bytesPerWeight(),
                                 std::max<int64_t>(r.promptTokens, 1), context));
  }
  return r;
}

nlohmann::json RunReport::toJson() const {
  using nlohmann::ordered_json;
  ordered_json j;
  j["model"] = model;
  j["chip"] = chip;
  j["engine"] = engine;
  j["wafers"] = wafers;
  j["sequences"] = sequences;
  j["prompt_tokens"] = promptTokens;
  j["generated_tokens"] = generatedTokens;
  j["time_to_first_token_s"] = timeToFirstTokenSeconds;
  j["decode_tokens_per_s"] = decodeTokensPerSecond;
  j["decode_tokens_per_s_range"] = {decodeTokensPerSecondLow, decodeTokensPerSecondHigh};
  j["unconfirmed_parameters"] = unconfirmedParameters;
  j["seconds_per_token"] = secondsPerToken;
  j["joules_per_token"] = joulesPerToken;
  ordered_json breakdown = ordered_json::object();
  for (int c = 0; c < TimeBreakdown::kCategories; ++c) {
    breakdown[TimeBreakdown::categoryName(c)] = decodeBreakdown.category(c);
  }
  j["decode_breakdown_s"] = breakdown;
  j["sram_used_bytes"] = sramUsedBytes;
  j["sram_total_bytes"] = sramTotalBytes;
  j["pes_used"] = pesUsed;
  ordered_json b = ordered_json::array();
  for (const RegionShare& s : bottlenecks) {
    ordered_json entry = {{"region", s.name}, {"share", s.share}, {"seconds", s.seconds}};
    for (int c = 0; c < TimeBreakdown::kCategories; ++c) {
      entry[std::string(TimeBreakdown::categoryName(c)) + "_s"] = s.breakdown.category(c);
    }
    b.push_back(entry);
  }
  j["bottlenecks"] = b;
  ordered_json g = ordered_json::array();
  for (const GpuEstimate& e : gpus) {
    g.push_back({{"gpu", e.gpu},
                 {"gpus", e.gpus},
                 {"decode_tokens_per_s", e.decodeTokensPerSecond},
                 {"time_to_first_token_s", e.timeToFirstTokenSeconds},
                 {"joules_per_token", e.joulesPerToken},
                 {"wafer_speedup", speedupOver(e)}});
  }
  j["gpu_baselines"] = g;
  if (speculative) {
    const SpeculativeRunSummary& sp = *speculative;
    j["speculative"] = {{"serving_profile", sp.profile},
                        {"draft_model", sp.draftModel},
                        {"draft_tokens", sp.draftTokens},
                        {"steps", sp.steps},
                        {"drafted", sp.drafted},
                        {"accepted", sp.accepted},
                        {"acceptance_rate", sp.acceptanceRate()},
                        {"draft_s", sp.draftSeconds},
                        {"verify_s", sp.verifySeconds},
                        {"transfer_s", sp.transferSeconds}};
  }
  return nlohmann::json::parse(j.dump());
}

namespace {
// Three significant digits without an exponent: 1841, 10.2, 0.129, 0.00131.
std::string threeDigits(double v) {
  const double a = std::abs(v);
  if (a >= 100.0) {
    return fmt::format("{:.0f}", v);
  }
  if (a >= 10.0) {
    return fmt::format("{:.1f}", v);
  }
  if (a >= 1.0 || a == 0.0) {
    return fmt::format("{:.2f}", v);
  }
  return fmt::format("{:.{}f}", v, 2 - int(std::floor(std::log10(a))));
}
} // namespace

std::string RunReport::summary() const {
  std::string s =
      fmt::format("{} on {} ({} wafer{}, {} engine): {} prompt + {} generated tokens\n"
                  "  decode {:.0f} tokens/s ({} us/token), time to first token {} ms, {} J/token\n",
                  model, chip, wafers, wafers == 1 ? "" : "s", engine, promptTokens,
                  generatedTokens, decodeTokensPerSecond, threeDigits(secondsPerToken * 1e6),
                  threeDigits(timeToFirstTokenSeconds * 1e3), threeDigits(joulesPerToken));
  if (!unconfirmedParameters.empty() && decodeTokensPerSecond > 0) {
    s += fmt::format("  {:.0f}-{:.0f} tokens/s over the unconfirmed parameters ({})\n",
                     decodeTokensPerSecondLow, decodeTokensPerSecondHigh,
                     fmt::join(unconfirmedParameters, ", "));
  }
  const double total = decodeBreakdown.total();
  if (total > 0) {
    s += "  decode time:";
    for (int c = 0; c < TimeBreakdown::kCategories; ++c) {
      s += fmt::format("{} {} {:.0f}%", c == 0 ? "" : ",", TimeBreakdown::categoryName(c),
                       100 * decodeBreakdown.category(c) / total);
    }
    s += "\n";
  }
  if (speculative) {
    const SpeculativeRunSummary& sp = *speculative;
    const double stepSeconds = sp.draftSeconds + sp.verifySeconds + sp.transferSeconds;
    s += fmt::format("  speculative ({}): {} drafts K = {}; {} steps, {} of {} guesses kept "
                     "({:.0f}%); step time: draft {:.0f}%, verify {:.0f}%, transfers and "
                     "rollback {:.0f}%; the GPUs below decode plainly\n",
                     sp.profile, sp.draftModel, sp.draftTokens, sp.steps, sp.accepted, sp.drafted,
                     100 * sp.acceptanceRate(),
                     stepSeconds > 0 ? 100 * sp.draftSeconds / stepSeconds : 0.0,
                     stepSeconds > 0 ? 100 * sp.verifySeconds / stepSeconds : 0.0,
                     stepSeconds > 0 ? 100 * sp.transferSeconds / stepSeconds : 0.0);
  }
  for (const GpuEstimate& e : gpus) {
    s += fmt::format("  vs {} x{}: {:.0f} tokens/s, TTFT {} ms, {} J/token -> wafer "
                     "speedup {}x\n",
                     e.gpu, e.gpus, e.decodeTokensPerSecond,
                     threeDigits(e.timeToFirstTokenSeconds * 1e3), threeDigits(e.joulesPerToken),
                     threeDigits(speedupOver(e)));
  }
  for (size_t i = 0; i < bottlenecks.size() && i < 3; ++i) {
    s += fmt::format("  bottleneck {}: {} ({:.1f}% of the critical path)\n", i + 1,
                     bottlenecks[i].name, 100 * bottlenecks[i].share);
  }
  return s;
}

} // namespace ws::sim
