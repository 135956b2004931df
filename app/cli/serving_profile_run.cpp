#include "app/cli/serving_profile_run.h"

#include "sim/serving_profile.h"
#include "sim/serving_what_if.h"
#include "sim/speculative_step.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <vector>

namespace ws::cli {
namespace {

// "A..B" with 1 <= A <= B <= kMaxDraftTokens.
std::pair<int, int> parseDraftRange(const std::string& text) {
  const size_t dots = text.find("..");
  int from = 0;
  int to = 0;
  size_t usedFrom = 0;
  size_t usedTo = 0;
  try {
    if (dots != std::string::npos && dots > 0) {
      from = std::stoi(text.substr(0, dots), &usedFrom);
      to = std::stoi(text.substr(dots + 2), &usedTo);
    }
  } catch (const std::exception&) {
    usedFrom = 0;
  }
  if (dots == std::string::npos || usedFrom != dots || usedTo != text.size() - dots - 2 ||
      from < 1 || from > to || to > sim::kMaxDraftTokens) {
    throw std::runtime_error(fmt::format(
        "--sweep-draft-tokens '{}': give A..B with 1 <= A <= B <= {}", text, sim::kMaxDraftTokens));
  }
  return {from, to};
}

void printSweep(const std::vector<sim::SpeculativeStepTiming>& steps,
                const std::vector<double>& rates, double plainTokensPerSecond) {
  std::printf("\ntokens/s against K (draft tokens per verify pass); * = the best K at that rate, "
              "- = slower than plain decoding (%.0f tokens/s)\n",
              plainTokensPerSecond);
  std::printf("%3s %10s %10s %10s", "K", "step us", "draft us", "verify us");
  for (double rate : rates) {
    std::printf(" %11s", fmt::format("a = {:.2f}", rate).c_str());
  }
  std::printf("\n");
  std::vector<size_t> best(rates.size(), 0);
  for (size_t r = 0; r < rates.size(); ++r) {
    for (size_t i = 0; i < steps.size(); ++i) {
      const auto rate = [&](size_t k) {
        return sim::speculativeTokensPerSecond(rates[r], steps[k]);
      };
      if (rate(i) > rate(best[r])) {
        best[r] = i;
      }
    }
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const sim::SpeculativeStepTiming& s = steps[i];
    std::printf("%3d %10.2f %10.2f %10.2f", s.draftTokens, s.seconds() * 1e6, s.draftSeconds * 1e6,
                s.verifySeconds * 1e6);
    for (size_t r = 0; r < rates.size(); ++r) {
      const double tps = sim::speculativeTokensPerSecond(rates[r], s);
      const char mark = best[r] == i ? '*' : (tps < plainTokensPerSecond ? '-' : ' ');
      std::printf(" %10.0f%c", tps, mark);
    }
    std::printf("\n");
  }
}

} // namespace

bool runServingProfile(const ServingRequest& request, const core::ModelSpec& model,
                       const sim::ChipSpec& chip, sim::MapOptions& options) {
  if (request.profile.empty()) {
    if (!request.sweep.empty()) {
      throw std::runtime_error("--sweep-draft-tokens needs --serving with speculative decoding");
    }
    return false;
  }
  const sim::ServingProfile profile = sim::loadServingProfile(request.profile);
  if (!request.weightBitsGiven) {
    options = sim::withServingPrecision(profile, options);
  }
  if (!profile.speculative) {
    if (!request.sweep.empty()) {
      throw std::runtime_error(fmt::format(
          "--sweep-draft-tokens: serving profile {} does not decode speculatively", profile.name));
    }
    return false;
  }
  if (request.plainRunOutputs) {
    throw std::runtime_error(fmt::format(
        "--serving {}: a speculative run is timed on the fast engine for one sequence and prints "
        "its step; --trace, --heatmap, --csv, --engine detailed and --sequences time plain "
        "decoding (use --serving launch-2024)",
        profile.name));
  }
  const std::optional<std::pair<int, int>> sweep =
      request.sweep.empty() ? std::nullopt : std::optional(parseDraftRange(request.sweep));
  const sim::SpeculativeDecoding& spec = *profile.speculative;
  const sim::ServingWhatIf whatIf = sim::prepareServingWhatIf(profile, model, chip, options);
  const core::ModelSpec& draft = *whatIf.draft;
  const sim::SpeculativePair& pair = *whatIf.pair;
  const int64_t context = whatIf.contextTokens;
  const sim::SpeculativeEstimate e =
      sim::estimateSpeculativeDecode(pair, spec.draftTokens, spec.acceptanceRate, context);
  const double plain = whatIf.plainTokensPerSecond;

  std::printf("%s with draft %s on %s (%d wafer%s), serving profile %s: the draft in rows 0-%d "
              "of the first wafer, the target below it\n",
              model.name.c_str(), draft.name.c_str(), chip.name.c_str(), pair.target.wafers(),
              pair.target.wafers() > 1 ? "s" : "", profile.name.c_str(), pair.draftRows - 1);
  const sim::SpeculativeStepTiming& s = e.step;
  std::printf("speculative step at context %lld, K = %d: draft %d x %.2f us, send %.2f us, verify "
              "%d tokens %.2f us, reply %.2f us, rollback %.3f us = %.2f us\n",
              static_cast<long long>(context), s.draftTokens, s.draftTokens,
              s.draftSeconds / s.draftTokens * 1e6, s.sendSeconds * 1e6, s.draftTokens + 1,
              s.verifySeconds * 1e6, s.replySeconds * 1e6, s.rollbackSeconds * 1e6,
              s.seconds() * 1e6);
  const double low = sim::expectedTokensPerVerifyPass(spec.acceptanceRange.low, spec.draftTokens);
  const double high = sim::expectedTokensPerVerifyPass(spec.acceptanceRange.high, spec.draftTokens);
  std::printf("acceptance %.2f per draft token (%.2f-%.2f): %.2f tokens per step, decode %.0f "
              "tokens/s (%.0f-%.0f over the acceptance range)\n",
              spec.acceptanceRate, spec.acceptanceRange.low, spec.acceptanceRange.high,
              e.tokensPerVerifyPass, e.tokensPerSecond, low / s.seconds(), high / s.seconds());
  std::printf("plain decoding of %s alone on %s: %.0f tokens/s; speculative: %.2fx\n",
              model.name.c_str(), chip.name.c_str(), plain, e.tokensPerSecond / plain);
  nlohmann::json report = {
      {"model", model.name},
      {"draft", draft.name},
      {"chip", chip.name},
      {"wafers", pair.target.wafers()},
      {"serving_profile", profile.name},
      {"draft_rows", pair.draftRows},
      {"context", context},
      {"draft_tokens", s.draftTokens},
      {"acceptance_rate", spec.acceptanceRate},
      {"acceptance_range", {spec.acceptanceRange.low, spec.acceptanceRange.high}},
      {"tokens_per_step", e.tokensPerVerifyPass},
      {"tokens_per_second", e.tokensPerSecond},
      {"tokens_per_second_band", {low / s.seconds(), high / s.seconds()}},
      {"plain_tokens_per_second", plain},
      {"step_s",
       {{"draft", s.draftSeconds},
        {"send", s.sendSeconds},
        {"verify", s.verifySeconds},
        {"reply", s.replySeconds},
        {"rollback", s.rollbackSeconds},
        {"total", s.seconds()}}}};
  for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
    report["step_breakdown_s"][sim::TimeBreakdown::categoryName(c)] = s.breakdown.category(c);
  }
  if (sweep) {
    const auto [from, to] = *sweep;
    const std::vector<double>& rates = whatIf.acceptanceRates;
    const auto steps = sim::sweepDraftTokens(pair, from, to, context);
    printSweep(steps, rates, plain);
    for (const sim::SpeculativeStepTiming& k : steps) {
      nlohmann::json point = {{"draft_tokens", k.draftTokens}, {"step_s", k.seconds()}};
      for (double rate : rates) {
        point["tokens_per_second"][fmt::format("{:.2f}", rate)] =
            sim::speculativeTokensPerSecond(rate, k);
      }
      report["sweep"].push_back(point);
    }
  }
  if (!request.report.empty()) {
    std::ofstream out(request.report, std::ios::binary | std::ios::trunc);
    out << report.dump(2) << "\n";
    if (!out) {
      throw std::runtime_error(request.report + ": cannot be written");
    }
  }
  return true;
}

} // namespace ws::cli
