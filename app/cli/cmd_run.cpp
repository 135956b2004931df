// waferscope-cli run: what the GUI's Run does, headless. The RunController
// (app/run) generates each token on the host, streaming the text to stdout,
// and times it on the simulated chip; then the timing summary and the same
// exports as the GUI's (report, trace, CSV) and a heatmap PNG.
#include "app/cli/command.h"
#include "app/cli/output_path.h"
#include "app/cli/run_outputs.h"
#include "app/cli/sampler_options.h"
#include "app/cli/token_ids.h"
#include "app/run/atomic_file.h"
#include "app/run/run_controller.h"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ws::cli {
namespace {

struct RunArgs {
  std::string model;
  std::string chip = "wse3";
  std::string serving;
  std::string prompt;
  std::string ids;
  int tokens = 64;
  std::string engine = "fast";
  int threads = 0;
  core::SamplerSettings sampler;
  std::vector<std::string> gpus;
  RunOutputs outputs;
  std::string text;
};

void runRun(const RunArgs& a) {
  // Bad names fail before the run, not after it.
  heatmapPlane(a.outputs);
  heatmapScale(a.outputs);
  app::RunController controller;
  const app::ModelLoadedEvent loaded = controller.loadModel(a.model);
  if (!loaded.hasWeights) {
    std::fprintf(stderr, "[%s: %s]\n", loaded.spec.name.c_str(), loaded.note.c_str());
  }
  controller.setChip(a.chip);
  controller.setServingProfile(a.serving);
  controller.map(); // as the GUI maps: the model's context, at most the mapper's default
  controller.setEngine(sim::engineKindFromString(a.engine));
  controller.setHostThreads(a.threads);
  if (!a.gpus.empty()) {
    controller.setGpuBaselines(a.gpus);
  }

  app::RunSettings settings;
  settings.prompt = a.prompt;
  if (!a.ids.empty()) {
    settings.promptIds = parseTokenIds(a.ids);
  }
  settings.maxTokens = a.tokens;
  settings.sampler = a.sampler;
  const app::RunStartedEvent started = controller.startRun(settings);
  if (started.draftTokens > 0) {
    std::fprintf(stderr, "[%s]\n", started.note.c_str());
  }

  std::string text = a.prompt;
  std::fputs(a.prompt.c_str(), stdout);
  std::fflush(stdout);
  while (const std::optional<app::TokenEvent> token = controller.nextToken()) {
    text += token->piece;
    std::fputs(token->piece.c_str(), stdout);
    std::fflush(stdout);
  }
  std::fputs("\n\n", stdout);
  std::fflush(stdout); // before the stderr line, where both go to one terminal
  const app::FinishedEvent finished = controller.finishRun();
  std::fprintf(stderr, "[%lld tokens, stop: %s, prompt %lld tokens%s]\n",
               static_cast<long long>(finished.generatedTokens), finished.stopReason.c_str(),
               static_cast<long long>(started.promptTokens),
               started.replayedTokens ? ", replayed from the built-in model" : "");
  if (finished.generatedTokens == 0) {
    throw std::runtime_error("the model generated no token (it ended the text at once)");
  }
  std::fputs(finished.report.summary().c_str(), stdout);
  if (!a.text.empty()) {
    app::writeTextAtomically(a.text, text);
  }
  writeRunOutputs(controller, a.outputs);
}

const bool registered = registerCommand(
    "run",
    "Generate on the host and time each token on a simulated chip in one go (what the GUI's Run "
    "does; streams the text)",
    [](CLI::App& cmd) {
      auto a = std::make_shared<RunArgs>();
      cmd.add_option("--model", a->model, "builtin, a .gguf, a config.json or a model card name")
          ->required();
      cmd.add_option("--chip", a->chip,
                     "chip preset (wse2, wse3, wse3x4, teach-32x32) or JSON file")
          ->capture_default_str();
      auto* prompt = cmd.add_option("--prompt", a->prompt, "Prompt text");
      auto* ids = cmd.add_option("--ids", a->ids, "Prompt as token ids, e.g. \"1 2 3\"");
      prompt->excludes(ids);
      ids->excludes(prompt);
      cmd.add_option("--tokens", a->tokens, "Tokens to generate at most")
          ->capture_default_str()
          ->check(CLI::Range(1, 1 << 20));
      cmd.add_option("--serving", a->serving,
                     "Serving profile (assets/serving/: launch-2024, speculative-2025) or a file; "
                     "speculative ones map a draft beside the model and time draft + verify steps");
      cmd.add_option("--engine", a->engine, "fast or detailed (fabrics up to 512 x 512 PEs)")
          ->capture_default_str();
      cmd.add_option("--threads", a->threads, "CPU threads (0 = all cores)")
          ->check(CLI::Range(0, 1024));
      addSamplerOptions(cmd, a->sampler);
      cmd.add_option("--gpu", a->gpus,
                     "GPU baselines (presets or JSON files; default: every preset)");
      addRunOutputOptions(cmd, a->outputs);
      cmd.add_option("--text", a->text, "write the prompt and the generated text to a file")
          ->check(writableOutputFile());
      cmd.callback([a, prompt, ids] {
        if (prompt->count() == 0 && ids->count() == 0) {
          throw std::invalid_argument("run needs --prompt TEXT or --ids \"1 2 3\"");
        }
        runRun(*a);
      });
    });

} // namespace
} // namespace ws::cli
