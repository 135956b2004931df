// waferscope-cli generate: runs a model on the host and streams its text.
#include "app/cli/command.h"
#include "app/cli/token_ids.h"
#include "core/builtin_model.h"
#include "core/generator.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ws::cli {
namespace {

struct GenerateArgs {
  std::string model;
  std::string prompt;
  std::string ids;
  int tokens = 64;
  float temperature = 0.0f;
  int topK = 0;
  float topP = 1.0f;
  float repetitionPenalty = 1.0f;
  uint64_t seed = 0;
  int threads = 0;
  int context = 0;
  std::vector<std::string> stops;
  bool json = false;
};

void runGenerate(const GenerateArgs& args) {
  const std::filesystem::path path = core::resolveModelPath(args.model);
  const std::unique_ptr<core::LlamaModel> model = core::LlamaModel::load(path);
  const std::unique_ptr<core::Tokenizer> tokenizer = core::Tokenizer::fromGguf(model->file());

  std::vector<int32_t> promptIds;
  if (!args.ids.empty()) {
    promptIds = parseTokenIds(args.ids);
  } else {
    promptIds = tokenizer->encode(args.prompt, true, false);
  }
  if (promptIds.empty()) {
    throw std::invalid_argument("the prompt encodes to no tokens");
  }
  for (int32_t id : promptIds) {
    if (id >= model->vocabSize()) {
      throw std::invalid_argument(path.string() + ": token id " + std::to_string(id) +
                                  " is outside the vocabulary of " +
                                  std::to_string(model->vocabSize()));
    }
  }

  core::InferenceContext context(*model, {args.threads, args.context});
  core::Generator generator(context, tokenizer.get());
  core::GenerationOptions options;
  options.maxTokens = args.tokens;
  options.stopStrings = args.stops;
  options.sampler.temperature = args.temperature;
  options.sampler.topK = args.topK;
  options.sampler.topP = args.topP;
  options.sampler.repetitionPenalty = args.repetitionPenalty;
  options.sampler.seed = args.seed;

  nlohmann::json tokens = nlohmann::json::array();
  const core::GenerationResult result =
      generator.generate(promptIds, options, [&](const core::GeneratedToken& token) {
        if (args.json) {
          tokens.push_back(
              {{"id", token.id}, {"piece", token.piece}, {"host_seconds", token.hostSeconds}});
        } else {
          std::fwrite(token.piece.data(), 1, token.piece.size(), stdout);
          std::fflush(stdout);
        }
        return true;
      });

  double generateSeconds = 0.0;
  for (const auto& token : tokens) {
    generateSeconds += token["host_seconds"].get<double>();
  }
  if (args.json) {
    const nlohmann::json out = {{"model", path.string()},
                                {"prompt_ids", promptIds},
                                {"tokens", tokens},
                                {"text", result.text},
                                {"stop_reason", core::stopReasonName(result.reason)},
                                {"prompt_seconds", result.promptSeconds},
                                {"threads", context.threads()}};
    // Pieces can end inside a UTF-8 character only at the very end of a run;
    // replace such bytes rather than fail.
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("\n");
    std::fprintf(stderr, "[%zu tokens, stop: %s, prompt %zu tokens]\n", result.ids.size(),
                 core::stopReasonName(result.reason), promptIds.size());
  }
}

const bool registered = registerCommand(
    "generate", "Generate text with a model on the host CPU (streams the text)", [](CLI::App& cmd) {
      auto args = std::make_shared<GenerateArgs>();
      cmd.add_option("--model", args->model, "GGUF model file, or 'builtin'")->required();
      auto* prompt = cmd.add_option("--prompt", args->prompt,
                                    "Prompt text (BOS added as the "
                                    "model asks)");
      auto* ids = cmd.add_option("--ids", args->ids, "Prompt as token ids, e.g. \"1 2 3\"");
      prompt->excludes(ids);
      ids->excludes(prompt);
      cmd.add_option("--tokens", args->tokens, "Tokens to generate at most")
          ->check(CLI::NonNegativeNumber);
      cmd.add_option("--temperature", args->temperature, "0 = greedy");
      cmd.add_option("--top-k", args->topK, "Keep the K most likely tokens (0 = all)")
          ->check(CLI::NonNegativeNumber);
      cmd.add_option("--top-p", args->topP, "Nucleus mass (1 = off)")->check(CLI::Range(0.0, 1.0));
      cmd.add_option("--repeat-penalty", args->repetitionPenalty, "Repetition penalty (1 = off)");
      cmd.add_option("--seed", args->seed, "Sampling seed");
      cmd.add_option("--threads", args->threads, "CPU threads (0 = all cores)")
          ->check(CLI::Range(0, 1024));
      cmd.add_option("--context", args->context, "Context positions (0 = the model's)")
          ->check(CLI::NonNegativeNumber);
      cmd.add_option("--stop", args->stops, "Stop when the text contains this (repeatable)");
      cmd.add_flag("--json", args->json, "Print ids, pieces and per-token host times as JSON");
      cmd.callback([args, prompt, ids] {
        if (prompt->count() == 0 && ids->count() == 0) {
          throw std::invalid_argument("generate needs --prompt TEXT or --ids \"1 2 3\"");
        }
        runGenerate(*args);
      });
    });

} // namespace
} // namespace ws::cli
