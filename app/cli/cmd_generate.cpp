// waferscope-cli generate: runs a model on the host and streams its text.
#include "app/cli/command.h"
#include "app/cli/sampler_options.h"
#include "app/cli/token_ids.h"
#include "core/builtin_model.h"
#include "core/generator.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/speculative.h"
#include "core/tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
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
  core::SamplerSettings sampler;
  int threads = 0;
  int context = 0;
  std::vector<std::string> stops;
  bool json = false;
  std::string draft; // a GGUF file, 'builtin' or 'ngram'; empty: no speculation
  int draftTokens = 4;
  int ngram = 3;
  bool compareTarget = false;
};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The drafter and its contexts for --draft: a model checked against the
// target's vocabulary, or none for prompt lookup.
struct Drafter {
  std::filesystem::path path;
  std::unique_ptr<core::LlamaModel> model;
  std::unique_ptr<core::InferenceContext> context;
};

Drafter loadDrafter(const GenerateArgs& args, const std::filesystem::path& targetPath,
                    const core::LlamaModel& target, const core::Tokenizer& targetTokenizer) {
  Drafter drafter;
  if (args.draft == "ngram") {
    return drafter;
  }
  drafter.path = core::resolveDraftModelPath(args.draft, targetPath);
  drafter.model = core::LlamaModel::load(drafter.path);
  const std::unique_ptr<core::Tokenizer> tokenizer =
      core::Tokenizer::fromGguf(drafter.model->file());
  core::checkSameVocabulary(target, targetTokenizer, *drafter.model, *tokenizer);
  drafter.context = std::make_unique<core::InferenceContext>(
      *drafter.model, core::ContextOptions{args.threads, args.context});
  return drafter;
}

nlohmann::json speculativeReport(const GenerateArgs& args, const Drafter& drafter,
                                 const core::SpeculativeStats& stats, size_t tokens,
                                 double decodeSeconds) {
  return {{"draft", drafter.model ? drafter.path.string() : std::string("ngram")},
          {"draft_tokens", args.draftTokens},
          {"ngram", drafter.model ? nlohmann::json() : nlohmann::json(args.ngram)},
          {"verify_passes", stats.verifyPasses},
          {"drafted", stats.drafted},
          {"accepted", stats.accepted},
          {"acceptance_rate", stats.acceptanceRate()},
          {"tokens_per_verify", stats.tokensPerVerify()},
          {"target_positions", stats.targetPositions},
          {"draft_positions", stats.draftPositions},
          {"draft_seconds", stats.draftSeconds},
          {"verify_seconds", stats.verifySeconds},
          {"draft_seconds_per_position",
           stats.draftPositions > 0 ? stats.draftSeconds / stats.draftPositions : 0.0},
          {"verify_seconds_per_pass",
           stats.verifyPasses > 0 ? stats.verifySeconds / stats.verifyPasses : 0.0},
          {"decode_seconds", decodeSeconds},
          {"tokens_per_second", decodeSeconds > 0.0 ? double(tokens) / decodeSeconds : 0.0}};
}

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
  core::GenerationOptions options;
  options.maxTokens = args.tokens;
  options.stopStrings = args.stops;
  options.sampler = args.sampler;

  nlohmann::json tokens = nlohmann::json::array();
  const core::TokenCallback onToken = [&](const core::GeneratedToken& token) {
    if (args.json) {
      tokens.push_back(
          {{"id", token.id}, {"piece", token.piece}, {"host_seconds", token.hostSeconds}});
    } else {
      std::fwrite(token.piece.data(), 1, token.piece.size(), stdout);
      std::fflush(stdout);
    }
    return true;
  };

  core::GenerationResult result;
  nlohmann::json speculative;
  nlohmann::json targetAlone;
  const auto start = std::chrono::steady_clock::now();
  if (args.draft.empty()) {
    core::Generator generator(context, tokenizer.get());
    result = generator.generate(promptIds, options, onToken);
  } else {
    const Drafter drafter = loadDrafter(args, path, *model, *tokenizer);
    core::SpeculativeGenerator generator(context, drafter.context.get(), tokenizer.get(),
                                         {args.draftTokens, args.ngram});
    result = generator.generate(promptIds, options, onToken);
    const double decodeSeconds = secondsSince(start) - result.promptSeconds;
    speculative =
        speculativeReport(args, drafter, generator.stats(), result.ids.size(), decodeSeconds);
    if (args.compareTarget) {
      // The same request through the target alone, timed in this process.
      core::Generator plain(context, tokenizer.get());
      const auto plainStart = std::chrono::steady_clock::now();
      const core::GenerationResult plainResult = plain.generate(promptIds, options);
      const double plainSeconds = secondsSince(plainStart) - plainResult.promptSeconds;
      const double plainRate =
          plainSeconds > 0.0 ? double(plainResult.ids.size()) / plainSeconds : 0.0;
      targetAlone = {{"decode_seconds", plainSeconds},
                     {"tokens_per_second", plainRate},
                     {"seconds_per_token", plainRate > 0.0 ? 1.0 / plainRate : 0.0},
                     {"same_tokens", plainResult.ids == result.ids},
                     {"speedup", plainRate > 0.0
                                     ? speculative["tokens_per_second"].get<double>() / plainRate
                                     : 0.0}};
    }
  }

  if (args.json) {
    nlohmann::json out = {{"model", path.string()},
                          {"prompt_ids", promptIds},
                          {"tokens", tokens},
                          {"text", result.text},
                          {"stop_reason", core::stopReasonName(result.reason)},
                          {"prompt_seconds", result.promptSeconds},
                          {"threads", context.threads()}};
    if (!speculative.is_null()) {
      out["speculative"] = speculative;
    }
    if (!targetAlone.is_null()) {
      out["target_alone"] = targetAlone;
    }
    // Pieces can end inside a UTF-8 character only at the very end of a run;
    // replace such bytes rather than fail.
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  std::printf("\n");
  std::fprintf(stderr, "[%zu tokens, stop: %s, prompt %zu tokens]\n", result.ids.size(),
               core::stopReasonName(result.reason), promptIds.size());
  if (!speculative.is_null()) {
    const int passes = speculative["verify_passes"].get<int>();
    const double perToken =
        result.ids.empty()
            ? 0.0
            : double(speculative["target_positions"].get<int>()) / double(result.ids.size());
    std::fprintf(stderr,
                 "[speculative, draft %s, K=%d: %d of %d draft tokens accepted (%.1f %%), %.2f "
                 "tokens per verify pass (%d passes); the target ran %.2f positions per token; "
                 "%.3f ms per draft position, %.3f ms per verify pass; %.1f tokens/s]\n",
                 speculative["draft"].get<std::string>().c_str(), args.draftTokens,
                 speculative["accepted"].get<int>(), speculative["drafted"].get<int>(),
                 100.0 * speculative["acceptance_rate"].get<double>(),
                 speculative["tokens_per_verify"].get<double>(), passes, perToken,
                 1e3 * speculative["draft_seconds_per_position"].get<double>(),
                 1e3 * speculative["verify_seconds_per_pass"].get<double>(),
                 speculative["tokens_per_second"].get<double>());
  }
  if (!targetAlone.is_null()) {
    std::fprintf(
        stderr,
        "[target alone: %.1f tokens/s, %.3f ms per token; host speedup %.2fx, both measured in "
        "this run; %s]\n",
        targetAlone["tokens_per_second"].get<double>(),
        1e3 * targetAlone["seconds_per_token"].get<double>(), targetAlone["speedup"].get<double>(),
        targetAlone["same_tokens"].get<bool>() ? "same tokens" : "different tokens (sampling)");
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
      addSamplerOptions(cmd, args->sampler);
      cmd.add_option("--threads", args->threads, "CPU threads (0 = all cores)")
          ->check(CLI::Range(0, 1024));
      cmd.add_option("--context", args->context, "Context positions (0 = the model's)")
          ->check(CLI::NonNegativeNumber);
      cmd.add_option("--stop", args->stops, "Stop when the text contains this (repeatable)");
      cmd.add_flag("--json", args->json, "Print ids, pieces and per-token host times as JSON");
      cmd.add_option("--draft", args->draft,
                     "Speculative decoding: a draft GGUF with the target's vocabulary, "
                     "'builtin' (the built-in model's draft, for --model builtin), or 'ngram' "
                     "(prompt lookup, no draft model)");
      auto* draftTokens = cmd.add_option("--draft-tokens", args->draftTokens,
                                         "Draft tokens per verify pass (1..32)");
      auto* ngram =
          cmd.add_option("--ngram", args->ngram, "Tokens prompt lookup matches (--draft ngram)");
      auto* compare = cmd.add_flag("--compare-target", args->compareTarget,
                                   "Also run the target alone and report the measured speedup");
      cmd.callback([args, prompt, ids, draftTokens, ngram, compare] {
        if (prompt->count() == 0 && ids->count() == 0) {
          throw std::invalid_argument("generate needs --prompt TEXT or --ids \"1 2 3\"");
        }
        if (args->draft.empty() &&
            (draftTokens->count() > 0 || ngram->count() > 0 || compare->count() > 0)) {
          throw std::invalid_argument(
              "--draft-tokens, --ngram and --compare-target need --draft FILE or --draft ngram");
        }
        if (ngram->count() > 0 && args->draft != "ngram") {
          throw std::invalid_argument("--ngram applies to --draft ngram only");
        }
        runGenerate(*args);
      });
    });

} // namespace
} // namespace ws::cli
