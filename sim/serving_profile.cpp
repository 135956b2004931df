#include "sim/serving_profile.h"

#include "core/asset_paths.h"
#include "core/builtin_model.h"
#include "core/format_error.h"
#include "core/json_fields.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace ws::sim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const json& requireObject(const json& object, const char* field, const fs::path& file) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_object()) {
    throw core::FormatError(file, fmt::format("field '{}' must be an object", field));
  }
  return *it;
}

std::string requireString(const json& object, const std::string& field, const fs::path& file) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
    throw core::FormatError(file, fmt::format("field '{}' must be a non-empty string", field));
  }
  return it->get<std::string>();
}

void rejectUnknownFields(const json& object, std::initializer_list<const char*> known,
                         const std::string& where, const fs::path& file) {
  for (const auto& [key, value] : object.items()) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      throw core::FormatError(file, fmt::format("unknown field '{}{}'", where, key));
    }
  }
}

SpeculativeDecoding parseSpeculative(const json& s, const fs::path& file) {
  rejectUnknownFields(s,
                      {"draft_tokens", "draft_tokens_source", "acceptance_rate",
                       "acceptance_rate_source", "acceptance_rate_range", "drafts"},
                      "speculative.", file);
  SpeculativeDecoding d;
  d.draftTokens =
      int(core::requireCountInRange(s, "draft_tokens", 1, uint64_t(kMaxDraftTokens), file));
  d.draftTokensSource = requireString(s, "draft_tokens_source", file);
  // A rate of 1 would make every guess right and the expected accepted
  // length (1 - a^(K+1)) / (1 - a) a limit; 0.999 is past any measurement.
  d.acceptanceRate = core::requireNumberInRange(s, "acceptance_rate", 0.0, 0.999, file);
  d.acceptanceRateSource = requireString(s, "acceptance_rate_source", file);
  const bool unconfirmed = d.acceptanceRateSource.find("UNCONFIRMED") != std::string::npos;
  const auto range = s.find("acceptance_rate_range");
  if (unconfirmed != (range != s.end())) {
    throw core::FormatError(file,
                            "field 'speculative.acceptance_rate_range' must be given exactly when "
                            "'acceptance_rate_source' says UNCONFIRMED");
  }
  d.acceptanceRange = {d.acceptanceRate, d.acceptanceRate};
  if (range != s.end()) {
    if (!range->is_array() || range->size() != 2 || !(*range)[0].is_number() ||
        !(*range)[1].is_number()) {
      throw core::FormatError(file,
                              "field 'speculative.acceptance_rate_range' must be [low, high]");
    }
    d.acceptanceRange.low =
        core::checkNumberInRange((*range)[0].get<double>(), "speculative.acceptance_rate_range[0]",
                                 0.0, d.acceptanceRate, file);
    d.acceptanceRange.high =
        core::checkNumberInRange((*range)[1].get<double>(), "speculative.acceptance_rate_range[1]",
                                 d.acceptanceRate, 0.999, file);
  }
  const auto drafts = s.find("drafts");
  if (drafts == s.end() || !drafts->is_array() || drafts->empty() || drafts->size() > 64) {
    throw core::FormatError(file, "field 'speculative.drafts' must be a list of 1 .. 64 drafts");
  }
  for (const json& entry : *drafts) {
    if (!entry.is_object()) {
      throw core::FormatError(file, "field 'speculative.drafts' must hold objects");
    }
    rejectUnknownFields(entry, {"card", "source"}, "speculative.drafts[].", file);
    d.drafts.push_back({requireString(entry, "card", file), requireString(entry, "source", file)});
  }
  return d;
}

ServingProfile parseProfile(const json& j, const std::string& file) {
  if (!j.is_object()) {
    throw core::FormatError(file, "a serving profile must be a JSON object");
  }
  rejectUnknownFields(
      j, {"name", "description", "weight_bits", "weight_bits_source", "speculative"}, "", file);
  ServingProfile p;
  p.file = file;
  p.name = requireString(j, "name", file);
  p.description = requireString(j, "description", file);
  p.weightBits = core::requireNumberInRange(j, "weight_bits", 0.0, 32.0, file);
  if (p.weightBits > 0.0 && p.weightBits < 1.0) {
    throw core::FormatError(file, fmt::format("field 'weight_bits' must be 0 (the model's own) or "
                                              "1 .. 32, got {}",
                                              p.weightBits));
  }
  p.weightBitsSource = requireString(j, "weight_bits_source", file);
  if (j.contains("speculative") && !j["speculative"].is_null()) {
    p.speculative = parseSpeculative(requireObject(j, "speculative", file), file);
  }
  return p;
}

} // namespace

ServingProfile parseServingProfile(const std::string& jsonText, const std::string& file) {
  json j;
  try {
    j = json::parse(jsonText);
  } catch (const json::exception&) {
    throw core::FormatError(file, "invalid JSON");
  }
  return parseProfile(j, file);
}

std::vector<std::string> listServingProfiles() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(core::assetsDir() / "serving", ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

ServingProfile loadServingProfile(const std::string& nameOrPath) {
  fs::path path = nameOrPath;
  if (path.extension() != ".json") {
    path = core::assetsDir() / "serving" / (nameOrPath + ".json");
    if (!fs::is_regular_file(path)) {
      throw core::FormatError(nameOrPath, fmt::format("no such serving profile (known: {})",
                                                      fmt::join(listServingProfiles(), ", ")));
    }
  }
  return parseProfile(core::readJsonFile(path), path.string());
}

core::ModelSpec ServingProfile::draftFor(const core::ModelSpec& target) const {
  if (!speculative) {
    throw std::runtime_error(fmt::format("serving profile {} does not decode speculatively", name));
  }
  // The built-in model drafts with its own trained draft (its tokenizer,
  // tools/train-builtin-model.py --draft): no card is of its family.
  const std::filesystem::path builtinDraft = core::builtinDraftModelPath();
  std::error_code missing;
  if (std::filesystem::is_regular_file(builtinDraft, missing) &&
      std::filesystem::is_regular_file(core::builtinModelPath(), missing) &&
      target.name == core::loadModelSpec(core::builtinModelPath().string()).name) {
    return core::loadModelSpec(builtinDraft.string());
  }
  const uint64_t targetParams = target.paramCounts().total();
  for (const DraftChoice& choice : speculative->drafts) {
    core::ModelSpec draft = core::loadModelSpec(choice.card);
    if (draft.architecture == target.architecture && draft.vocabSize == target.vocabSize &&
        draft.paramCounts().total() < targetParams) {
      return draft;
    }
  }
  throw std::runtime_error(fmt::format(
      "{}: no draft of serving profile {} fits {} (a listed card of architecture '{}' with its "
      "{}-token vocabulary and fewer parameters)",
      file, name, target.name, target.architecture, target.vocabSize));
}

} // namespace ws::sim
