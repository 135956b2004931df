// waferscope-cli logits: feeds token ids one at a time and prints the top
// logits after each, to compare with llama.cpp or PyTorch.
#include "app/cli/command.h"
#include "app/cli/token_ids.h"
#include "core/builtin_model.h"
#include "core/inference_context.h"
#include "core/llama_model.h"
#include "core/sampler.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace ws::cli {
namespace {

struct LogitsArgs {
  std::string model;
  std::string ids;
  int top = 5;
  int threads = 0;
  bool json = false;
};

void runLogits(const LogitsArgs& args) {
  const std::filesystem::path path = core::resolveModelPath(args.model);
  const std::unique_ptr<core::LlamaModel> model = core::LlamaModel::load(path);
  const std::vector<int32_t> ids = parseTokenIds(args.ids);
  for (int32_t id : ids) {
    if (id >= model->vocabSize()) {
      throw std::invalid_argument(path.string() + ": token id " + std::to_string(id) +
                                  " is outside the vocabulary of " +
                                  std::to_string(model->vocabSize()));
    }
  }
  core::InferenceContext context(*model, {args.threads, 0});
  if (ids.size() > static_cast<size_t>(context.maxPositions())) {
    throw std::invalid_argument(path.string() + ": " + std::to_string(ids.size()) +
                                " ids exceed the context of " +
                                std::to_string(context.maxPositions()));
  }
  nlohmann::json top = nlohmann::json::array();
  for (size_t position = 0; position < ids.size(); ++position) {
    const auto best = core::topLogits(context.forward(ids[position]), args.top);
    if (args.json) {
      nlohmann::json pairs = nlohmann::json::array();
      for (const auto& [id, logit] : best) {
        pairs.push_back({id, logit});
      }
      top.push_back(pairs);
    } else {
      std::printf("%zu %d:", position, ids[position]);
      for (const auto& [id, logit] : best) {
        std::printf(" [%d, %.6f]", id, static_cast<double>(logit));
      }
      std::printf("\n");
    }
  }
  if (args.json) {
    const nlohmann::json out = {{"model", path.string()}, {"ids", ids}, {"top", top}};
    std::printf("%s\n", out.dump(1).c_str());
  }
}

const bool registered = registerCommand(
    "logits", "Feed token ids one at a time and print the top logits after each",
    [](CLI::App& cmd) {
      auto args = std::make_shared<LogitsArgs>();
      cmd.add_option("--model", args->model, "GGUF model file, or 'builtin'")->required();
      cmd.add_option("--ids", args->ids, "Token ids, e.g. \"1 2 3\"")->required();
      cmd.add_option("--top", args->top, "How many logits to print per position")
          ->check(CLI::PositiveNumber);
      cmd.add_option("--threads", args->threads, "CPU threads (0 = all cores)")
          ->check(CLI::Range(0, 1024));
      cmd.add_flag("--json", args->json, "Print JSON: {ids, top: [[[id, logit], ...], ...]}");
      cmd.callback([args] { runLogits(*args); });
    });

} // namespace
} // namespace ws::cli
