#include "sim/chip_spec.h"

#include "core/asset_paths.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>

namespace ws::sim {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The path as the user gave it: their wse3.json and the preset differ.
std::string fileLabel(const std::string& file) {
  return file.empty() ? std::string("<chip>") : file;
}

// How a larger value of a field changes the time of a decode step.
enum class TimingEffect { None, Slower, Faster };

// One numeric field of the file: {"value": N, "source": "..."}, plus
// "range": [low, high] where the source says UNCONFIRMED.
struct NumberField {
  const char* name;
  double min; // inclusive unless minExclusive
  bool minExclusive;
  double max;
  bool integer;
  bool required;
  std::function<void(ChipSpec&, double)> set;
  std::function<double(const ChipSpec&)> get;
  TimingEffect effect = TimingEffect::None;
};

const std::vector<NumberField>& numberFields() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  static const std::vector<NumberField> fields = {
      {"fabricWidth", 1, false, 100000, true, true,
       [](ChipSpec& c, double v) { c.fabricWidth = int(v); },
       [](const ChipSpec& c) { return double(c.fabricWidth); }},
      {"fabricHeight", 1, false, 100000, true, true,
       [](ChipSpec& c, double v) { c.fabricHeight = int(v); },
       [](const ChipSpec& c) { return double(c.fabricHeight); }},
      {"diesX", 1, false, 10000, true, true, [](ChipSpec& c, double v) { c.diesX = int(v); },
       [](const ChipSpec& c) { return double(c.diesX); }},
      {"diesY", 1, false, 10000, true, true, [](ChipSpec& c, double v) { c.diesY = int(v); },
       [](const ChipSpec& c) { return double(c.diesY); }},
      {"clockHz", 0, true, 1e11, false, true, [](ChipSpec& c, double v) { c.clockHz = v; },
       [](const ChipSpec& c) { return c.clockHz; }, TimingEffect::Faster},
      {"sramBytesPerPe", 1, false, 1e12, true, true,
       [](ChipSpec& c, double v) { c.sramBytesPerPe = int64_t(v); },
       [](const ChipSpec& c) { return double(c.sramBytesPerPe); }},
      {"sramReadBytesPerCycle", 0, true, 1e6, false, true,
       [](ChipSpec& c, double v) { c.sramReadBytesPerCycle = v; },
       [](const ChipSpec& c) { return c.sramReadBytesPerCycle; }, TimingEffect::Faster},
      {"sramWriteBytesPerCycle", 0, true, 1e6, false, true,
       [](ChipSpec& c, double v) { c.sramWriteBytesPerCycle = v; },
       [](const ChipSpec& c) { return c.sramWriteBytesPerCycle; }},
      {"macsPerCycle", 0, true, 1e6, false, true, [](ChipSpec& c, double v) { c.macsPerCycle = v; },
       [](const ChipSpec& c) { return c.macsPerCycle; }, TimingEffect::Faster},
      {"routerPorts", 1, false, 64, true, true,
       [](ChipSpec& c, double v) { c.routerPorts = int(v); },
       [](const ChipSpec& c) { return double(c.routerPorts); }},
      {"linkBytesPerCycle", 0, true, 1e6, false, true,
       [](ChipSpec& c, double v) { c.linkBytesPerCycle = v; },
       [](const ChipSpec& c) { return c.linkBytesPerCycle; }, TimingEffect::Faster},
      {"hopLatencyCycles", 0, false, 1e6, false, true,
       [](ChipSpec& c, double v) { c.hopLatencyCycles = v; },
       [](const ChipSpec& c) { return c.hopLatencyCycles; }, TimingEffect::Slower},
      {"rampLatencyCycles", 0, false, 1e6, false, true,
       [](ChipSpec& c, double v) { c.rampLatencyCycles = v; },
       [](const ChipSpec& c) { return c.rampLatencyCycles; }, TimingEffect::Slower},
      {"taskActivationCycles", 0, false, 1e6, false, true,
       [](ChipSpec& c, double v) { c.taskActivationCycles = v; },
       [](const ChipSpec& c) { return c.taskActivationCycles; }, TimingEffect::Slower},
      {"virtualChannels", 1, false, 4096, true, true,
       [](ChipSpec& c, double v) { c.virtualChannels = int(v); },
       [](const ChipSpec& c) { return double(c.virtualChannels); }},
      {"reserveBytesPerPe", 0, false, 1e12, true, true,
       [](ChipSpec& c, double v) { c.reserveBytesPerPe = int64_t(v); },
       [](const ChipSpec& c) { return double(c.reserveBytesPerPe); }},
      {"hostIoBytesPerSecond", 0, true, inf, false, true,
       [](ChipSpec& c, double v) { c.hostIoBytesPerSecond = v; },
       [](const ChipSpec& c) { return c.hostIoBytesPerSecond; }},
      {"wafers", 1, false, 4096, true, true, [](ChipSpec& c, double v) { c.wafers = int(v); },
       [](const ChipSpec& c) { return double(c.wafers); }},
      {"waferLinkBytesPerSecond", 0, true, inf, false, true,
       [](ChipSpec& c, double v) { c.waferLinkBytesPerSecond = v; },
       [](const ChipSpec& c) { return c.waferLinkBytesPerSecond; }, TimingEffect::Faster},
      {"waferLinkLatencySeconds", 0, false, 1.0, false, true,
       [](ChipSpec& c, double v) { c.waferLinkLatencySeconds = v; },
       [](const ChipSpec& c) { return c.waferLinkLatencySeconds; }, TimingEffect::Slower},
      {"powerWatts", 0, true, 1e9, false, true, [](ChipSpec& c, double v) { c.powerWatts = v; },
       [](const ChipSpec& c) { return c.powerWatts; }},
  };
  return fields;
}

std::string typeName(const json& value) {
  return value.type_name();
}

double readNumber(const json& object, const NumberField& field, const std::string& file,
                  std::string* source, std::optional<ParameterRange>* range) {
  const std::string fieldName = field.name;
  auto it = object.find(field.name);
  if (it == object.end()) {
    throw ChipSpecError(file, fieldName, "missing");
  }
  const json* valueNode = &*it;
  if (it->is_object()) {
    auto value = it->find("value");
    if (value == it->end()) {
      throw ChipSpecError(file, fieldName, "missing \"value\"");
    }
    auto src = it->find("source");
    if (src == it->end() || !src->is_string() || src->get<std::string>().empty()) {
      throw ChipSpecError(file, fieldName, "missing \"source\" (every number needs one)");
    }
    *source = src->get<std::string>();
    valueNode = &*value;
  } else {
    throw ChipSpecError(
        file, fieldName,
        fmt::format("expected {{\"value\": number, \"source\": text}}, got {}", typeName(*it)));
  }
  if (!valueNode->is_number()) {
    throw ChipSpecError(file, fieldName,
                        fmt::format("value must be a number, got {}", typeName(*valueNode)));
  }
  const double v = valueNode->get<double>();
  if (!std::isfinite(v)) {
    throw ChipSpecError(file, fieldName, "value must be finite");
  }
  const bool tooLow = field.minExclusive ? v <= field.min : v < field.min;
  if (tooLow || v > field.max) {
    const char* bound = field.minExclusive ? "> " : ">= ";
    throw ChipSpecError(
        file, fieldName,
        fmt::format("value must be {}{} and <= {}, got {}", bound, field.min, field.max, v));
  }
  if (field.integer && v != std::floor(v)) {
    throw ChipSpecError(file, fieldName, fmt::format("value must be an integer, got {}", v));
  }
  // An UNCONFIRMED number says what span it could take; a sourced one has none.
  const bool isUnconfirmed = source->find("UNCONFIRMED") != std::string::npos;
  auto rangeNode = it->find("range");
  if (rangeNode == it->end()) {
    if (isUnconfirmed) {
      throw ChipSpecError(file, fieldName,
                          "source says UNCONFIRMED: give \"range\": [low, high] it could take");
    }
    return v;
  }
  if (!isUnconfirmed) {
    throw ChipSpecError(file, fieldName, "has a \"range\" but its source does not say UNCONFIRMED");
  }
  if (!rangeNode->is_array() || rangeNode->size() != 2 || !(*rangeNode)[0].is_number() ||
      !(*rangeNode)[1].is_number()) {
    throw ChipSpecError(file, fieldName, "\"range\" must be [low, high], two numbers");
  }
  const ParameterRange r{(*rangeNode)[0].get<double>(), (*rangeNode)[1].get<double>()};
  const bool lowOk = field.minExclusive ? r.low > field.min : r.low >= field.min;
  if (!std::isfinite(r.low) || !std::isfinite(r.high) || !lowOk || r.high > field.max ||
      !(r.low <= v && v <= r.high)) {
    throw ChipSpecError(file, fieldName,
                        fmt::format("\"range\" [{}, {}] must hold the value {} and stay within "
                                    "the field's bounds",
                                    r.low, r.high, v));
  }
  *range = r;
  return v;
}

std::string readString(const json& root, const char* name, const std::string& file, bool required) {
  auto it = root.find(name);
  if (it == root.end()) {
    if (required) {
      throw ChipSpecError(file, name, "missing");
    }
    return {};
  }
  if (!it->is_string()) {
    throw ChipSpecError(file, name, fmt::format("must be text, got {}", typeName(*it)));
  }
  return it->get<std::string>();
}

} // namespace

ChipSpecError::ChipSpecError(std::string file, std::string field, std::string problem)
    : std::runtime_error(fmt::format("{}: field '{}': {}", fileLabel(file), field, problem)),
      m_file(std::move(file)), m_field(std::move(field)), m_problem(std::move(problem)) {}

std::string ChipSpec::source(const std::string& field) const {
  auto it = sources.find(field);
  return it == sources.end() ? std::string() : it->second;
}

ChipSpec ChipSpec::atUnconfirmedExtreme(bool slower) const {
  ChipSpec chip = *this;
  for (const NumberField& field : numberFields()) {
    auto it = unconfirmed.find(field.name);
    if (it == unconfirmed.end() || field.effect == TimingEffect::None) {
      continue;
    }
    const bool high = (field.effect == TimingEffect::Slower) == slower;
    field.set(chip, high ? it->second.high : it->second.low);
  }
  return chip;
}

std::vector<std::string> ChipSpec::unconfirmedTimingFields() const {
  std::vector<std::string> names;
  for (const NumberField& field : numberFields()) {
    if (field.effect != TimingEffect::None && unconfirmed.count(field.name)) {
      names.push_back(field.name);
    }
  }
  return names;
}

ChipSpec parseChipSpec(const std::string& jsonText, const std::string& file) {
  json root;
  try {
    root = json::parse(jsonText);
  } catch (const json::parse_error& e) {
    throw ChipSpecError(file, "(document)", fmt::format("not valid JSON (byte {})", e.byte));
  } catch (const json::exception& e) {
    // e.g. a number too large for a double (27e648)
    throw ChipSpecError(file, "(document)", fmt::format("not usable JSON: {}", e.what()));
  }
  if (!root.is_object()) {
    throw ChipSpecError(file, "(document)",
                        fmt::format("must be a JSON object, got {}", typeName(root)));
  }
  ChipSpec chip;
  chip.file = file;
  chip.name = readString(root, "name", file, true);
  if (chip.name.empty()) {
    throw ChipSpecError(file, "name", "must not be empty");
  }
  chip.description = readString(root, "description", file, false);
  for (const NumberField& field : numberFields()) {
    std::string source;
    std::optional<ParameterRange> range;
    field.set(chip, readNumber(root, field, file, &source, &range));
    chip.sources[field.name] = source;
    if (range) {
      chip.unconfirmed[field.name] = *range;
    }
  }
  if (root.contains("calibration")) {
    throw ChipSpecError(file, "calibration",
                        "fitted calibration factors are gone: every term is a mechanism field "
                        "(rampLatencyCycles, taskActivationCycles, ...) with its source");
  }
  if (chip.wafers > 1 && chip.waferLinkBytesPerSecond <= 0) {
    throw ChipSpecError(file, "waferLinkBytesPerSecond", "required for more than one wafer");
  }
  if (chip.diesX > chip.fabricWidth || chip.diesY > chip.fabricHeight) {
    throw ChipSpecError(file, "diesX", "more dies than PEs along an axis");
  }
  if (chip.reserveBytesPerPe >= chip.sramBytesPerPe) {
    throw ChipSpecError(file, "reserveBytesPerPe",
                        fmt::format("reserve {} leaves no SRAM of {} bytes per PE",
                                    chip.reserveBytesPerPe, chip.sramBytesPerPe));
  }
  return chip;
}

std::vector<std::string> listChipPresets() {
  std::vector<std::string> names;
  const fs::path dir = core::assetsDir() / "chips";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

ChipSpec loadChipSpec(const std::string& nameOrPath) {
  fs::path path = nameOrPath;
  const bool looksLikePath =
      nameOrPath.find('/') != std::string::npos || path.extension() == ".json";
  if (!looksLikePath) {
    path = core::assetsDir() / "chips" / (nameOrPath + ".json");
    if (!fs::is_regular_file(path)) {
      std::string known;
      for (const auto& name : listChipPresets()) {
        known += (known.empty() ? "" : ", ") + name;
      }
      throw ChipSpecError(nameOrPath, "(name)",
                          fmt::format("no such chip preset (known: {})", known));
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ChipSpecError(path.string(), "(file)", "cannot be opened");
  }
  constexpr std::streamsize maxBytes = 1 << 20; // a chip file is a few KB
  std::string text;
  text.resize(size_t(maxBytes) + 1);
  in.read(text.data(), maxBytes + 1);
  text.resize(size_t(in.gcount()));
  if (text.size() > size_t(maxBytes)) {
    throw ChipSpecError(path.string(), "(file)", "larger than 1 MB, not a chip file");
  }
  return parseChipSpec(text, path.string());
}

std::string chipSpecToJson(const ChipSpec& chip) {
  using ordered = nlohmann::ordered_json;
  ordered root = ordered::object();
  root["name"] = chip.name;
  root["description"] = chip.description;
  for (const NumberField& field : numberFields()) {
    ordered entry = ordered::object();
    if (field.integer) {
      entry["value"] = int64_t(field.get(chip));
    } else {
      entry["value"] = field.get(chip);
    }
    entry["source"] = chip.source(field.name);
    if (auto it = chip.unconfirmed.find(field.name); it != chip.unconfirmed.end()) {
      entry["range"] = {it->second.low, it->second.high};
    }
    root[field.name] = entry;
  }
  return root.dump(2) + "\n";
}

} // namespace ws::sim
