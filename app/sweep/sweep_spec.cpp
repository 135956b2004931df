#include "app/sweep/sweep_spec.h"

#include "core/json_fields.h"
#include "sim/chip_spec.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace ws::sweep {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChipPrefix = "chip.";

enum class FieldType { Text, Integer, Number };

struct ConfigField {
  const char* name;
  FieldType type;
};

// The configuration fields a sweep can set, as in the file.
const std::vector<ConfigField>& configFields() {
  static const std::vector<ConfigField> fields = {
      {"model", FieldType::Text},           {"chip", FieldType::Text},
      {"engine", FieldType::Text},          {"gpu", FieldType::Text},
      {"promptTokens", FieldType::Integer}, {"genTokens", FieldType::Integer},
      {"context", FieldType::Integer},      {"users", FieldType::Integer},
      {"wafers", FieldType::Integer},       {"weightBits", FieldType::Number},
  };
  return fields;
}

bool isChipPath(const std::string& field) {
  return field.rfind(kChipPrefix, 0) == 0;
}

// Fields that may name a file: resolved against the sweep file's folder.
bool namesFile(const std::string& field) {
  return field == "model" || field == "chip" || field == "gpu";
}

const char* typeName(FieldType type) {
  switch (type) {
  case FieldType::Text:
    return "text";
  case FieldType::Integer:
    return "an integer";
  case FieldType::Number:
    return "a number";
  }
  return "?";
}

bool isIntegral(const Json& v) {
  return v.is_number_integer() ||
         (v.is_number_float() && std::isfinite(v.get<double>()) &&
          v.get<double>() == std::floor(v.get<double>()) && std::abs(v.get<double>()) < 9e15);
}

bool matches(FieldType type, const Json& v) {
  switch (type) {
  case FieldType::Text:
    return v.is_string();
  case FieldType::Integer:
    return isIntegral(v);
  case FieldType::Number:
    return v.is_number();
  }
  return false;
}

std::string describe(const Json& v) {
  const std::string text = v.dump();
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

std::string resolvePath(const std::string& value, const fs::path& baseDir) {
  const bool looksLikeFile = value.find('/') != std::string::npos ||
                             fs::path(value).extension() == ".json" ||
                             fs::path(value).extension() == ".gguf";
  if (!looksLikeFile || fs::path(value).is_absolute() || baseDir.empty()) {
    return value;
  }
  return (baseDir / value).lexically_normal().string();
}

// A range {"from", "to", "step"} (inclusive) or {"from", "to", "count"}.
std::vector<Json> expandRange(const Json& range, const std::string& where) {
  if (!range.is_object() || !range.contains("from") || !range.contains("to") ||
      range.contains("step") == range.contains("count")) {
    throw SweepError(where + ": range must be {\"from\", \"to\", and \"step\" or \"count\"}");
  }
  for (const auto& [key, v] : range.items()) {
    if (key != "from" && key != "to" && key != "step" && key != "count") {
      throw SweepError(fmt::format("{}: range has unknown key '{}'", where, key));
    }
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      throw SweepError(
          fmt::format("{}: range '{}' must be a number, got {}", where, key, describe(v)));
    }
  }
  const double from = range["from"].get<double>();
  const double to = range["to"].get<double>();
  bool integral = isIntegral(range["from"]) && isIntegral(range["to"]);
  int64_t count = 0;
  double step = 0.0;
  if (range.contains("step")) {
    step = range["step"].get<double>();
    integral = integral && isIntegral(range["step"]);
    if (step <= 0) {
      throw SweepError(fmt::format("{}: range step must be positive, got {}", where, step));
    }
    // Inclusive of `to` despite rounding in from + i * step.
    const double steps = std::floor((to - from) / step * (1 + 1e-12) + 1e-9);
    if (steps > 1e9) {
      throw SweepError(fmt::format("{}: range has more than a billion values", where));
    }
    count = to < from ? 0 : int64_t(steps) + 1;
  } else {
    if (!isIntegral(range["count"]) || range["count"].get<double>() < 0 ||
        range["count"].get<double>() > 1e9) {
      throw SweepError(fmt::format("{}: range count must be a whole number up to a billion, got {}",
                                   where, describe(range["count"])));
    }
    count = range["count"].get<int64_t>();
    step = count > 1 ? (to - from) / double(count - 1) : 0.0;
  }
  std::vector<Json> values;
  values.reserve(size_t(count));
  for (int64_t i = 0; i < count; ++i) {
    // The last value of a counted range is `to` itself, not a rounded sum.
    const double v =
        count > 1 && i + 1 == count && range.contains("count") ? to : from + double(i) * step;
    if (integral && v == std::floor(v)) {
      values.emplace_back(int64_t(v));
    } else {
      values.emplace_back(v);
    }
  }
  return values;
}

// A `chip` JSON text in the preset format, for checking chip paths.
Json chipJsonFor(const std::string& nameOrPath) {
  return Json::parse(sim::chipSpecToJson(sim::loadChipSpec(nameOrPath)));
}

} // namespace

void setChipField(Json& chip, const std::string& path, const Json& value, const std::string& file,
                  const std::string& chipName) {
  Json* node = &chip;
  std::string walked;
  std::istringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (!node->is_object() || !node->contains(part)) {
      throw SweepError(fmt::format("{}: field 'chip.{}': no field '{}' in chip {}", file, path,
                                   walked.empty() ? part : walked + "." + part, chipName));
    }
    node = &(*node)[part];
    walked += walked.empty() ? part : "." + part;
  }
  Json* leaf = node;
  if (node->is_object() && node->contains("value")) {
    leaf = &(*node)["value"];
  }
  const bool sameType = (leaf->is_number() && value.is_number() &&
                         (!leaf->is_number_integer() || isIntegral(value))) ||
                        (leaf->is_string() && value.is_string()) ||
                        (leaf->is_boolean() && value.is_boolean());
  if (!sameType) {
    throw SweepError(fmt::format("{}: field 'chip.{}': {} is {}, chip {} has {}", file, path,
                                 describe(value), value.type_name(), chipName,
                                 leaf->is_number_integer() ? "an integer" : leaf->type_name()));
  }
  *leaf = leaf->is_number_integer() ? Json(value.get<int64_t>()) : value;
  if (leaf != node) {
    // The sweep pins the value: it is the study's choice, no longer an
    // UNCONFIRMED estimate with a range.
    (*node)["source"] = "set by sweep " + fs::path(file).filename().string();
    node->erase("range");
  }
}

void applyChipFields(Json& chip, const PointConfig& config, const std::string& file) {
  for (const auto& [path, value] : config.chipFields) {
    setChipField(chip, path, value, file, config.chip);
  }
}

void applyField(PointConfig& config, const std::string& field, const Json& value,
                const std::string& file) {
  if (isChipPath(field)) {
    if (field.size() == std::string(kChipPrefix).size()) {
      throw SweepError(fmt::format("{}: field '{}': a chip path is chip.FIELD", file, field));
    }
    if (!value.is_number() && !value.is_string() && !value.is_boolean()) {
      throw SweepError(fmt::format("{}: field '{}': {} is {}, expected a number, text or boolean",
                                   file, field, describe(value), value.type_name()));
    }
    config.chipFields[field.substr(std::string(kChipPrefix).size())] = value;
    return;
  }
  for (const ConfigField& f : configFields()) {
    if (field != f.name) {
      continue;
    }
    if (!matches(f.type, value)) {
      throw SweepError(fmt::format("{}: field '{}': {} is {}, expected {}", file, field,
                                   describe(value), value.type_name(), typeName(f.type)));
    }
    if (field == "model") {
      config.model = value.get<std::string>();
    } else if (field == "chip") {
      config.chip = value.get<std::string>();
    } else if (field == "engine") {
      config.engine = value.get<std::string>();
    } else if (field == "gpu") {
      config.gpu = value.get<std::string>();
    } else if (field == "promptTokens") {
      config.promptTokens = value.get<int64_t>();
    } else if (field == "genTokens") {
      config.genTokens = value.get<int64_t>();
    } else if (field == "context") {
      config.context = value.get<int64_t>();
    } else if (field == "users") {
      config.users = value.get<int64_t>();
    } else if (field == "wafers") {
      config.wafers = value.get<int64_t>();
    } else {
      config.weightBits = value.get<double>();
    }
    return;
  }
  std::string known;
  for (const ConfigField& f : configFields()) {
    known += std::string(known.empty() ? "" : ", ") + f.name;
  }
  throw SweepError(
      fmt::format("{}: unknown field '{}' (fields: {}, or chip.PATH)", file, field, known));
}

SweepSpec SweepSpec::load(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw SweepError(file.string() + ": cannot be opened");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), file.string(), fs::absolute(file).parent_path());
}

SweepSpec SweepSpec::parse(const std::string& jsonText, const std::string& file,
                           const fs::path& baseDir) {
  if (core::jsonNestsDeeperThan(jsonText)) {
    throw SweepError(fmt::format("{}: nests arrays or objects deeper than {} levels", file,
                                 core::kMaxJsonDepth));
  }
  Json root;
  try {
    root = Json::parse(jsonText);
  } catch (const Json::parse_error& e) {
    throw SweepError(fmt::format("{}: not valid JSON (byte {})", file, e.byte));
  }
  if (!root.is_object()) {
    throw SweepError(file + ": must be a JSON object with \"base\" and \"axes\"");
  }
  for (const auto& [key, v] : root.items()) {
    if (key != "base" && key != "axes" && key != "description") {
      throw SweepError(
          fmt::format("{}: unknown key '{}' (expected base, axes, description)", file, key));
    }
  }
  SweepSpec spec;
  spec.m_file = file;
  PointConfig check; // type checks of every value happen through applyField
  if (root.contains("base")) {
    if (!root["base"].is_object()) {
      throw SweepError(file + ": \"base\" must be an object of field: value");
    }
    for (const auto& [field, v] : root["base"].items()) {
      applyField(check, field, v, file);
      spec.m_base[field] = namesFile(field) ? Json(resolvePath(v.get<std::string>(), baseDir)) : v;
    }
  }
  if (!root.contains("axes") || !root["axes"].is_array()) {
    throw SweepError(file + ": \"axes\" must be a list of axes");
  }
  if (root["axes"].empty()) {
    throw SweepError(file + ": \"axes\" is empty: the grid needs at least one axis");
  }
  std::set<std::string> seen;
  for (size_t a = 0; a < root["axes"].size(); ++a) {
    const Json& node = root["axes"][a];
    const std::string where = fmt::format("{}: axis {}", file, a + 1);
    if (!node.is_object()) {
      throw SweepError(where + ": must be an object with \"field\" or \"zip\"");
    }
    Axis axis;
    if (node.contains("zip")) {
      if (node.size() != 1 || !node["zip"].is_object() || node["zip"].empty()) {
        throw SweepError(where + ": a zip axis is {\"zip\": {\"FIELD\": [values], ...}}");
      }
      for (const auto& [field, values] : node["zip"].items()) {
        if (!values.is_array()) {
          throw SweepError(
              fmt::format("{}: field '{}': zipped values must be a list", where, field));
        }
        axis.columns.push_back({field, std::vector<Json>(values.begin(), values.end())});
      }
    } else {
      if (!node.contains("field") || !node["field"].is_string()) {
        throw SweepError(where + ": needs \"field\" (a field name or chip.PATH) or \"zip\"");
      }
      AxisColumn column{node["field"].get<std::string>(), {}};
      const bool hasValues = node.contains("values");
      if (hasValues == node.contains("range") || node.size() != 2) {
        throw SweepError(fmt::format("{}: field '{}': give exactly one of \"values\" or \"range\"",
                                     where, column.field));
      }
      if (hasValues) {
        if (!node["values"].is_array()) {
          throw SweepError(
              fmt::format("{}: field '{}': values must be a list", where, column.field));
        }
        column.values.assign(node["values"].begin(), node["values"].end());
      } else {
        column.values =
            expandRange(node["range"], fmt::format("{}: field '{}'", where, column.field));
      }
      axis.columns.push_back(std::move(column));
    }
    for (AxisColumn& column : axis.columns) {
      if (!seen.insert(column.field).second) {
        throw SweepError(fmt::format("{}: field '{}' is swept by two axes", where, column.field));
      }
      if (column.values.empty()) {
        throw SweepError(fmt::format("{}: field '{}': no values (the grid would be empty)", where,
                                     column.field));
      }
      if (column.values.size() != axis.columns.front().values.size()) {
        throw SweepError(fmt::format("{}: zipped field '{}' has {} values, '{}' has {}", where,
                                     column.field, column.values.size(), axis.columns.front().field,
                                     axis.columns.front().values.size()));
      }
      for (Json& v : column.values) {
        applyField(check, column.field, v, file);
        if (namesFile(column.field)) {
          v = resolvePath(v.get<std::string>(), baseDir);
        }
      }
    }
    spec.m_axes.push_back(std::move(axis));
  }
  uint64_t points = 1;
  for (const Axis& axis : spec.m_axes) {
    const uint64_t n = axis.size();
    points = points > std::numeric_limits<uint64_t>::max() / n
                 ? std::numeric_limits<uint64_t>::max()
                 : points * n;
  }
  spec.m_points = points;

  // Chip paths must exist in every chip the sweep names (a chip that does not
  // load is left to its points, which report why).
  std::set<std::string> chips;
  chips.insert(spec.pointConfig(0).chip);
  for (const Axis& axis : spec.m_axes) {
    for (const AxisColumn& column : axis.columns) {
      if (column.field == "chip") {
        for (const Json& v : column.values) {
          chips.insert(v.get<std::string>());
        }
      }
    }
  }
  for (const std::string& chipName : chips) {
    Json chip;
    try {
      chip = chipJsonFor(chipName);
    } catch (const std::exception&) {
      continue;
    }
    for (const auto& [field, v] : spec.m_base.items()) {
      if (isChipPath(field)) {
        Json copy = chip;
        setChipField(copy, field.substr(5), v, file, chipName);
      }
    }
    for (const Axis& axis : spec.m_axes) {
      for (const AxisColumn& column : axis.columns) {
        if (isChipPath(column.field)) {
          for (const Json& v : column.values) {
            setChipField(chip, column.field.substr(5), v, file, chipName);
          }
        }
      }
    }
  }
  return spec;
}

std::vector<std::string> SweepSpec::axisFields() const {
  std::vector<std::string> fields;
  for (const Axis& axis : m_axes) {
    for (const AxisColumn& column : axis.columns) {
      fields.push_back(column.field);
    }
  }
  return fields;
}

void SweepSpec::checkSize(bool confirmedLarge) const {
  if (m_points > kLargeSweepPoints && !confirmedLarge) {
    throw SweepError(
        fmt::format("{}: the grid has {} points (more than {}): pass --yes to run it", m_file,
                    m_points == std::numeric_limits<uint64_t>::max() ? std::string("over 2^64")
                                                                     : std::to_string(m_points),
                    kLargeSweepPoints));
  }
}

std::vector<Json> SweepSpec::axisValues(uint64_t index) const {
  std::vector<size_t> steps(m_axes.size());
  for (size_t a = m_axes.size(); a-- > 0;) {
    steps[a] = size_t(index % m_axes[a].size());
    index /= m_axes[a].size();
  }
  std::vector<Json> values;
  for (size_t a = 0; a < m_axes.size(); ++a) {
    for (const AxisColumn& column : m_axes[a].columns) {
      values.push_back(column.values[steps[a]]);
    }
  }
  return values;
}

PointConfig SweepSpec::pointConfig(uint64_t index) const {
  PointConfig config;
  for (const auto& [field, v] : m_base.items()) {
    applyField(config, field, v, m_file);
  }
  const std::vector<std::string> fields = axisFields();
  const std::vector<Json> values = axisValues(index);
  for (size_t i = 0; i < fields.size(); ++i) {
    applyField(config, fields[i], values[i], m_file);
  }
  return config;
}

std::string SweepSpec::canonicalJson() const {
  Json root = Json::object();
  root["base"] = m_base;
  Json axes = Json::array();
  for (const Axis& axis : m_axes) {
    Json zip = Json::object();
    for (const AxisColumn& column : axis.columns) {
      zip[column.field] = column.values;
    }
    axes.push_back({{"zip", zip}});
  }
  root["axes"] = axes;
  return root.dump(1) + "\n";
}

} // namespace ws::sweep
