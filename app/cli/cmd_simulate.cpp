// waferscope-cli simulate: the timing-only run of the RunController
// (app/run): maps a model on a chip, runs prefill and decode on a timing
// engine and writes the summary, a JSON report, a Perfetto trace and a
// heatmap PNG. `run` (cmd_run.cpp) is the same controller generating the
// tokens on the host as well.
#include "app/cli/command.h"
#include "app/cli/output_path.h"
#include "app/cli/progress_bar.h"
#include "app/cli/run_outputs.h"
#include "app/cli/serving_profile_run.h"
#include "app/run/atomic_file.h"
#include "app/run/run_controller.h"
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/mapper.h"
#include "sim/mesh_dataflow.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace ws::cli {
namespace {

// The most systems a run may span (--wafers), also the bound of --fewest-wafers.
constexpr int kMaxWafers = 4096;

struct SimulateArgs {
  std::string model;
  std::string chip = "wse3";
  int64_t promptTokens = -1;
  int64_t genTokens = 64;
  std::string prompt;
  std::string engine = "fast";
  int64_t context = 0;
  int sequences = 1;
  int wafers = 0;
  bool fewestWafers = false;
  double weightBits = 0.0;
  RunOutputs outputs;
  std::vector<std::string> gpus{"h100-sxm", "b200"};
  std::string dataflow = "pipeline";
  int grid = 0;
  std::string serving;          // --serving: a serving profile (serving_profile_run.h)
  std::string sweepDraftTokens; // --sweep-draft-tokens A..B
};

// WaferLLM's dataflow: one layer on a grid x grid sub-grid, times the layer
// count, in closed form (sim/mesh_dataflow.h), as its published tables were
// measured. No engine runs, so there is no trace or heatmap.
void runMeshDataflow(const SimulateArgs& a, const core::ModelSpec& model, const sim::ChipSpec& chip,
                     int64_t promptTokens) {
  if (a.grid < 1) {
    throw std::runtime_error("--dataflow waferllm needs --grid N (an N x N sub-grid of PEs)");
  }
  if (!a.outputs.trace.empty() || !a.outputs.heatmap.empty() || !a.outputs.csv.empty() ||
      a.engine != "fast" || a.sequences != 1) {
    throw std::runtime_error("--dataflow waferllm is a closed form of one sequence: no --trace, "
                             "--heatmap, --csv, --engine detailed or --sequences");
  }
  const int64_t context = a.context > 0 ? a.context : promptTokens + a.genTokens;
  const sim::TimeBreakdown layer = sim::meshDecodeLayerCycles(chip, model, a.grid, context);
  const double decode = sim::meshDecodeTokensPerSecond(chip, model, a.grid, context);
  const double prefill = sim::meshPrefillTokensPerSecond(chip, model, a.grid, promptTokens);
  const sim::ChipSpec slow = chip.atUnconfirmedExtreme(true);
  const sim::ChipSpec fast = chip.atUnconfirmedExtreme(false);
  const double low = sim::meshDecodeTokensPerSecond(slow, model, a.grid, context);
  const double high = sim::meshDecodeTokensPerSecond(fast, model, a.grid, context);
  std::printf("%s on a %d x %d grid of %s (WaferLLM dataflow, one layer x %llu)\n",
              model.name.c_str(), a.grid, a.grid, chip.name.c_str(),
              static_cast<unsigned long long>(model.layers));
  std::printf("  decode %.0f tokens/s at %lld tokens of context (%.0f-%.0f over the unconfirmed "
              "parameters), %.0f cycles per layer\n",
              decode, static_cast<long long>(context), low, high, layer.total());
  std::printf("  prefill %.0f tokens/s for a %lld-token prompt\n", prefill,
              static_cast<long long>(promptTokens));
  std::string causes;
  for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
    causes += fmt::format("{}{} {:.0f}%", c == 0 ? "" : ", ", sim::TimeBreakdown::categoryName(c),
                          100.0 * layer.category(c) / layer.total());
  }
  std::printf("  decode layer: %s\n", causes.c_str());
  if (!a.outputs.report.empty()) {
    nlohmann::ordered_json j;
    j["model"] = model.name;
    j["chip"] = chip.name;
    j["dataflow"] = "waferllm";
    j["grid"] = a.grid;
    j["context"] = context;
    j["decode_tokens_per_s"] = decode;
    j["decode_tokens_per_s_range"] = {low, high};
    j["prefill_tokens_per_s"] = prefill;
    nlohmann::ordered_json breakdown;
    for (int c = 0; c < sim::TimeBreakdown::kCategories; ++c) {
      breakdown[sim::TimeBreakdown::categoryName(c)] = layer.category(c) / chip.clockHz;
    }
    j["decode_layer_breakdown_s"] = breakdown;
    app::writeTextAtomically(a.outputs.report, j.dump(2) + "\n");
  }
}

void runSimulate(const SimulateArgs& a) {
  if (a.model.empty()) {
    throw std::runtime_error("--model is required (a card name, a model file or builtin)");
  }
  if (a.genTokens < 0) {
    throw std::runtime_error("--gen-tokens must not be negative");
  }
  if (a.weightBits < 0 || a.weightBits > 64) {
    throw std::runtime_error(fmt::format("--weight-bits must be 1..64, got {}", a.weightBits));
  }
  // Bad names fail before the run, not after it.
  heatmapPlane(a.outputs);
  heatmapScale(a.outputs);
  app::RunController controller;
  controller.loadModel(a.model);
  controller.setChip(a.chip);
  int64_t promptTokens = a.promptTokens;
  if (!a.prompt.empty()) {
    if (promptTokens >= 0) {
      throw std::runtime_error("give --prompt or --prompt-tokens, not both");
    }
    promptTokens = controller.countPromptTokens(a.prompt);
  }
  if (promptTokens < 0) {
    promptTokens = 128;
  }
  if (promptTokens < 1) {
    throw std::runtime_error("--prompt-tokens must be at least 1");
  }
  if (a.dataflow == "waferllm") {
    if (!a.serving.empty() || !a.sweepDraftTokens.empty()) {
      throw std::runtime_error("--serving applies to the layer-pipelined mapping, not "
                               "--dataflow waferllm");
    }
    runMeshDataflow(a, controller.modelSpec(), controller.chip(), promptTokens);
    return;
  }
  if (a.dataflow != "pipeline") {
    throw std::runtime_error("--dataflow must be pipeline or waferllm, got '" + a.dataflow + "'");
  }
  if (a.grid != 0) {
    throw std::runtime_error("--grid applies to --dataflow waferllm only");
  }
  sim::MapOptions options;
  options.contextTokens = a.context > 0 ? a.context : promptTokens + a.genTokens;
  options.sequences = a.sequences;
  options.wafers = a.wafers;
  if (a.fewestWafers) {
    // Up to --wafers, or as many systems as the option allows.
    options.fewestWafers = true;
    options.wafers = a.wafers > 0 ? a.wafers : kMaxWafers;
  }
  options.bytesPerWeight = a.weightBits / 8.0;
  if (options.contextTokens < promptTokens + a.genTokens) {
    throw std::runtime_error(fmt::format("--context {} is shorter than the prompt plus the "
                                         "generated tokens ({})",
                                         options.contextTokens, promptTokens + a.genTokens));
  }
  const ServingRequest serving{a.serving, a.sweepDraftTokens, a.weightBits > 0,
                               !a.outputs.trace.empty() || !a.outputs.heatmap.empty() ||
                                   !a.outputs.csv.empty() || a.engine != "fast" || a.sequences > 1,
                               a.outputs.report};
  if (runServingProfile(serving, controller.modelSpec(), controller.chip(), options)) {
    return;
  }
  controller.map(options);
  controller.setEngine(sim::engineKindFromString(a.engine));
  controller.setGpuBaselines(a.gpus);

  ProgressBar progress("simulating", int64_t(a.sequences) * (1 + a.genTokens));
  int64_t done = 0;
  const app::FinishedEvent finished =
      controller.timeRun(promptTokens, a.genTokens, a.sequences, !a.outputs.heatmap.empty(),
                         [&] { progress.update(++done); });
  progress.finish();
  std::fputs(finished.report.summary().c_str(), stdout);
  writeRunOutputs(controller, a.outputs);
}

const bool registered = registerCommand(
    "simulate", "Run a model on a simulated wafer-scale chip and report its speed",
    [](CLI::App& cmd) {
      auto a = std::make_shared<SimulateArgs>();
      cmd.add_option("--model", a->model, "model card name, .gguf, config.json, or builtin")
          ->required();
      cmd.add_option("--chip", a->chip,
                     "chip preset (wse2, wse3, wse3x4, teach-32x32) or JSON file")
          ->capture_default_str();
      cmd.add_option("--prompt-tokens", a->promptTokens, "prompt length in tokens (default 128)");
      cmd.add_option("--prompt", a->prompt, "prompt text (its tokens are counted)");
      cmd.add_option("--gen-tokens", a->genTokens, "tokens to generate")->capture_default_str();
      cmd.add_option("--engine", a->engine, "fast or detailed")->capture_default_str();
      cmd.add_option("--context", a->context,
                     "KV cache reserved per sequence (default: prompt + generated)");
      cmd.add_option("--sequences", a->sequences, "concurrent sequences")
          ->capture_default_str()
          ->check(CLI::Range(1, 4096));
      cmd.add_option("--wafers", a->wafers, "override the chip's number of wafers")
          ->check(CLI::Range(1, kMaxWafers));
      cmd.add_flag("--fewest-wafers", a->fewestWafers,
                   "map on the fewest wafers that hold the model (at most --wafers)");
      cmd.add_option("--weight-bits", a->weightBits, "bits per weight (default: the model's)");
      addRunOutputOptions(cmd, a->outputs);
      cmd.add_option("--gpu", a->gpus, "GPU baselines (presets or JSON files)");
      cmd.add_option("--dataflow", a->dataflow,
                     "pipeline (layers in regions, the engines) or waferllm (one layer on an N x N "
                     "grid, WaferLLM's MeshGEMV/MeshGEMM, closed form)")
          ->capture_default_str();
      cmd.add_option("--grid", a->grid, "N: the N x N sub-grid of --dataflow waferllm");
      cmd.add_option(
          "--serving", a->serving,
          "serving profile (assets/serving: launch-2024, speculative-2025) or JSON file");
      cmd.add_option("--sweep-draft-tokens", a->sweepDraftTokens,
                     "A..B: tokens/s against K, draft tokens per verify pass (with --serving)");
      cmd.callback([a] { runSimulate(*a); });
    });

} // namespace
} // namespace ws::cli
