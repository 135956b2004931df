// waferscope-cli convert: writes a GGUF file from a safetensors checkpoint
// (tensors named as in GGUF, metadata from a JSON sidecar) or re-encodes a
// GGUF file as F32, F16, BF16 or Q8_0.
#include "app/cli/command.h"
#include "app/cli/output_path.h"
#include "core/ggml_type.h"
#include "core/gguf_convert.h"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace ws::cli {
namespace {

struct ConvertArgs {
  std::string input;
  std::string metadata;
  std::string type = "f16";
  std::string output;
};

void runConvert(const ConvertArgs& args) {
  const std::optional<core::GgmlType> type = core::ggmlTypeFromName(args.type);
  if (!type || !core::isConvertTarget(*type)) {
    throw std::invalid_argument("--type " + args.type + " is not one of f32, f16, bf16, q8_0");
  }
  core::ConvertRequest request;
  request.input = args.input;
  if (!args.metadata.empty()) {
    request.metadata = args.metadata;
  }
  request.target = *type;
  request.output = args.output;
  const core::ConvertResult result = core::convertModel(request);
  std::printf("%s: %zu tensors, %s, %llu bytes\n", args.output.c_str(), result.tensorCount,
              std::string(core::ggmlTypeName(*type)).c_str(),
              static_cast<unsigned long long>(result.outputBytes));
}

const bool registered = registerCommand(
    "convert", "Write a GGUF model from safetensors (+ metadata JSON) or re-encode a GGUF",
    [](CLI::App& cmd) {
      auto args = std::make_shared<ConvertArgs>();
      cmd.add_option("input", args->input, "Input .safetensors (file, index, directory) or .gguf")
          ->required();
      cmd.add_option("--metadata", args->metadata,
                     "GGUF metadata sidecar JSON (required for safetensors input)");
      cmd.add_option("--type", args->type, "Weight type: f32, f16, bf16 or q8_0");
      cmd.add_option("-o,--output", args->output, "Output .gguf file")
          ->required()
          ->check(writableOutputFile());
      cmd.callback([args] { runConvert(*args); });
    });

} // namespace
} // namespace ws::cli
