#pragma once
// What the fuzz tests and the libFuzzer targets feed hostile files to: each
// target reads a file through the in-repo readers' public APIs the way the
// CLI and the GUI do, and goes on to use what it read (model shape,
// tokenizer, forward pass, sizes and work estimates; for chips a mapping and
// a timing step). Bad input must end in an exception whose message names the
// file; anything else (a crash, a sanitizer report, a hang) is a failure the
// callers detect.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ws::fuzz {

enum class Target {
  Gguf,           // GGUF: metadata, model shape, tokenizer, weights and one forward step
  Safetensors,    // a .safetensors file: its header, and every tensor's first and last byte
  HfConfig,       // a Hugging Face config.json: model shape, sizes, mapping work estimate
  ModelCard,      // assets/models/cards/*.json: the card, sizes, mapping work estimate
  ChipSpec,       // assets/chips/*.json: chip, a mapping and a decode step of a tiny model
  GpuBaseline,    // assets/gpus/*.json: the spec and an estimate for llama-3.1-8b
  Sweep,          // a sweep file: axes, grid size, first and last point, their chip JSON
  SweepResults,   // a sweep's results.csv as the Sweep panel reads it: cells, Pareto front
  ServingProfile, // assets/serving/*.json: the profile and its draft for llama-3.1-70b
};

std::string_view targetName(Target target);
// The file name a target reads (config.json must be called so; the rest by extension).
std::string_view targetFileName(Target target);

struct Outcome {
  bool refused = false; // a reading step threw (an error naming the file is the contract)
  // The message of the first error that did not name the file (its file name).
  std::optional<std::string> unnamed;
};

// Runs the target on `path`.
Outcome exercise(Target target, const std::filesystem::path& path);

} // namespace ws::fuzz
