#include "tests/fuzz/fuzz_targets.h"

#include "app/sweep/point_eval.h"
#include "app/sweep/result_table.h"
#include "app/sweep/sweep_spec.h"
#include "core/gguf.h"
#include "core/hf_config.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/model_card.h"
#include "core/model_spec.h"
#include "core/safetensors.h"
#include "core/tokenizer.h"
#include "sim/chip_spec.h"
#include "sim/gpu_baseline.h"
#include "sim/mapper.h"
#include "sim/serving_profile.h"
#include "sim/timing_engine.h"
#include "sim/work_budget.h"

#include <exception>
#include <functional>

namespace ws::fuzz {
namespace {

namespace fs = std::filesystem;

// Where reads of tensor bytes go, so that the compiler keeps them.
volatile std::byte g_touched{};

// Runs one reading step; an exception must name the file. Returns false when
// the step failed (the next steps depend on it), with the outcome updated.
bool step(const fs::path& path, Outcome& outcome, const std::function<void()>& work) {
  try {
    work();
    return true;
  } catch (const std::exception& e) {
    outcome.refused = true;
    const std::string message = e.what();
    if (message.find(path.filename().string()) == std::string::npos && !outcome.unnamed) {
      outcome.unnamed = message;
    }
    return false;
  }
}

// Steps after the file was read: a bad shape may be refused (fit errors, work
// budgets) without naming the file, which the CLI's message does around it.
void use(const std::function<void()>& work) {
  try {
    work();
  } catch (const std::exception&) {
  }
}

// What the CLI computes from a shape before it maps it: sizes, and the
// mapper's work estimate against its budget (mapping a real 480B card takes
// seconds in a sanitized debug build; the chip target maps a small model).
void useShape(const core::ModelSpec& spec) {
  use([&] {
    (void)spec.weightBytes();
    (void)spec.kvBytesPerToken();
    sim::checkWorkBudget(sim::estimateMappingWork(spec, sim::loadChipSpec("wse3"), {}), "mapping");
  });
}

void mapAndStep(const core::ModelSpec& model, const sim::ChipSpec& chip) {
  sim::MapOptions options;
  options.contextTokens = 64;
  const sim::Placement placement = sim::mapModel(model, chip, options);
  const auto engine = sim::makeTimingEngine(sim::EngineKind::Fast, placement);
  engine->prefill(4);
  engine->decodeStep();
}

Outcome exerciseGguf(const fs::path& path) {
  Outcome outcome;
  std::optional<core::GgufFile> file;
  if (!step(path, outcome, [&] { file.emplace(core::GgufFile::open(path)); })) {
    return outcome;
  }
  for (const core::GgufKeyValue& kv : file->metadata()) {
    (void)kv.value.toDisplayString();
  }
  step(path, outcome, [&] { core::modelSpecFromGguf(*file); });
  step(path, outcome, [&] {
    const auto tokenizer = core::Tokenizer::fromGguf(*file);
    const auto ids = tokenizer->encode("def fib(n):\n    return n if n < 2 else fib(n - 1)", true);
    (void)tokenizer->decode(ids);
  });
  step(path, outcome, [&] {
    const auto model = core::LlamaModel::load(path);
    core::InferenceContext context(*model, {1, 8});
    use([&] {
      context.forward(0);
      context.forward(1);
    });
  });
  return outcome;
}

Outcome exerciseSafetensors(const fs::path& path) {
  Outcome outcome;
  step(path, outcome, [&] {
    const core::SafetensorsFile file = core::SafetensorsFile::open(path);
    // Touch every tensor's first and last byte: the ranges must lie in the file.
    for (const core::SafetensorsTensor& t : file.tensors()) {
      if (t.byteSize > 0) {
        g_touched = t.data[0];
        g_touched = t.data[t.byteSize - 1];
      }
    }
  });
  return outcome;
}

// A sweep as `sweep` and the Sweep panel use it: the grid, the first and last
// points and their chip JSON. Point 0 is also run (map and time, as a sweep
// task does) when it is the built-in model on the teaching plate: the full
// presets take seconds per point in a sanitized build.
void exerciseSweep(const fs::path& path, Outcome& outcome) {
  std::optional<sweep::SweepSpec> spec;
  if (!step(path, outcome, [&] {
        spec.emplace(sweep::SweepSpec::load(path));
        spec->checkSize(false);
      })) {
    return;
  }
  (void)spec->canonicalJson();
  (void)sweep::csvHeader(*spec);
  for (const uint64_t index : {uint64_t{0}, spec->pointCount() - 1}) {
    (void)spec->axisValues(index);
    step(path, outcome, [&] {
      const sweep::PointConfig config = spec->pointConfig(index);
      use([&] { (void)sweep::chipJsonForPoint(config, spec->file()); });
    });
  }
  use([&] {
    const sweep::PointConfig first = spec->pointConfig(0);
    if (first.model == "builtin" && first.chip == "teach-32x32") {
      sweep::PointEvaluator evaluator(*spec);
      (void)evaluator.evaluate(0);
    }
  });
}

// A results table as the Sweep panel plots it: every numeric cell, and the
// Pareto front of aggregate against per-user tokens/s.
void exerciseSweepResults(const fs::path& path, Outcome& outcome) {
  std::optional<sweep::ResultTable> table;
  if (!step(path, outcome, [&] { table.emplace(sweep::loadResults(path)); })) {
    return;
  }
  std::vector<std::pair<double, double>> points;
  const int total = table->column("tokens_per_s");
  const int perUser = table->column("tokens_per_s_per_user");
  for (size_t row = 0; row < table->rows.size(); ++row) {
    for (size_t column = 0; column < table->header.size(); ++column) {
      (void)table->number(row, int(column));
    }
    const auto x = table->number(row, total);
    const auto y = table->number(row, perUser);
    if (x && y) {
      points.emplace_back(*x, *y);
    }
  }
  (void)sweep::paretoFront(points);
}

} // namespace

std::string_view targetName(Target target) {
  switch (target) {
  case Target::Gguf:
    return "gguf";
  case Target::Safetensors:
    return "safetensors";
  case Target::HfConfig:
    return "config.json";
  case Target::ModelCard:
    return "model card";
  case Target::ChipSpec:
    return "chip spec";
  case Target::GpuBaseline:
    return "gpu baseline";
  case Target::Sweep:
    return "sweep";
  case Target::SweepResults:
    return "sweep results";
  case Target::ServingProfile:
    return "serving profile";
  }
  return "?";
}

std::string_view targetFileName(Target target) {
  switch (target) {
  case Target::Gguf:
    return "case.gguf";
  case Target::Safetensors:
    return "model.safetensors";
  case Target::HfConfig:
    return "config.json";
  case Target::ModelCard:
    return "card.json";
  case Target::ChipSpec:
    return "chip.json";
  case Target::GpuBaseline:
    return "gpu.json";
  case Target::Sweep:
    return "sweep.json";
  case Target::SweepResults:
    return "results.csv";
  case Target::ServingProfile:
    return "serving.json";
  }
  return "case";
}

Outcome exercise(Target target, const fs::path& path) {
  Outcome outcome;
  switch (target) {
  case Target::Gguf:
    return exerciseGguf(path);
  case Target::Safetensors:
    return exerciseSafetensors(path);
  case Target::HfConfig: {
    core::ModelSpec spec;
    if (step(path, outcome, [&] { spec = core::modelSpecFromHfConfig(path); })) {
      useShape(spec);
    }
    return outcome;
  }
  case Target::ModelCard: {
    core::ModelCard card;
    if (step(path, outcome, [&] { card = core::readModelCard(path); })) {
      use([&] { (void)core::publishedStyleActiveParams(card); });
      useShape(card.spec);
    }
    return outcome;
  }
  case Target::ChipSpec: {
    sim::ChipSpec chip;
    if (step(path, outcome, [&] { chip = sim::loadChipSpec(path.string()); })) {
      core::ModelSpec tiny;
      tiny.name = "tiny";
      tiny.architecture = "llama";
      tiny.layers = 2;
      tiny.hiddenSize = 64;
      tiny.heads = 4;
      tiny.kvHeads = 2;
      tiny.headDim = 16;
      tiny.ffnSize = 128;
      tiny.vocabSize = 256;
      tiny.contextLength = 512;
      use([&] { mapAndStep(tiny, chip); });
    }
    return outcome;
  }
  case Target::GpuBaseline: {
    sim::GpuSpec gpu;
    if (step(path, outcome, [&] { gpu = sim::loadGpuSpec(path.string()); })) {
      use([&] { sim::estimateGpu(gpu, core::loadModelSpec("llama-3.1-8b"), 2.0, 128, 4096); });
    }
    return outcome;
  }
  case Target::Sweep:
    exerciseSweep(path, outcome);
    return outcome;
  case Target::SweepResults:
    exerciseSweepResults(path, outcome);
    return outcome;
  case Target::ServingProfile: {
    sim::ServingProfile profile;
    if (step(path, outcome, [&] { profile = sim::loadServingProfile(path.string()); })) {
      // What `simulate --serving` does next: pick the draft for a target.
      use([&] { (void)profile.draftFor(core::loadModelSpec("llama-3.1-70b")); });
    }
    return outcome;
  }
  }
  return outcome;
}

} // namespace ws::fuzz
