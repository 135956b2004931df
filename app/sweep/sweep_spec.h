#pragma once
// A design-space sweep as read from its JSON file: a base configuration (the
// options of `simulate`, plus concurrent users and a GPU baseline) and axes
// over its fields or over chip fields by path ("chip.clockHz",
// "chip.pe.sramBytes"). The grid is the product of the axes; an axis is a
// list, a range or several fields zipped together. Points are numbered
// row-major, the last axis varying fastest. Qt-free: the CLI and the GUI share it.
//
//   {
//     "base": {"model": "llama-3.1-8b", "chip": "wse3", "genTokens": 8},
//     "axes": [
//       {"field": "users", "values": [1, 2, 4, 8]},
//       {"field": "chip.clockHz", "range": {"from": 0.85e9, "to": 1.1e9, "count": 6}},
//       {"zip": {"model": ["llama-3.1-8b", "qwen2.5-coder-7b"], "weightBits": [16, 8]}}
//     ]
//   }
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ws::sweep {

using Json = nlohmann::ordered_json;

// A sweep file that cannot be used; what() is one line naming the file and
// the field, e.g. "study.json: axis 1 'chip.pe.sram': no field 'pe.sram' in chip wse3".
class SweepError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The run one point describes. Values out of range are not checked here: a
// point that cannot run becomes a row with its error (see evaluatePoint).
struct PointConfig {
  std::string model = "builtin"; // card name, model file or "builtin"
  std::string chip = "wse3";     // preset or chip JSON file
  std::string engine = "fast";   // fast or detailed
  std::string gpu = "h100-sxm";  // GPU baseline: preset or JSON file
  int64_t promptTokens = 128;
  int64_t genTokens = 16;
  int64_t context = 0;     // KV reserved per user; 0: prompt + generated
  int64_t users = 1;       // concurrent sequences sharing the wafer / the GPU batch
  int64_t wafers = 0;      // 0: the chip's own
  double weightBits = 0.0; // 0: the model's
  // Chip JSON path (without "chip.") -> value, applied to the chip's JSON.
  std::map<std::string, Json> chipFields;
};

// One swept column: a configuration field ("users") or a chip path ("chip.clockHz").
struct AxisColumn {
  std::string field;
  std::vector<Json> values; // one per step of its axis
};

// A list or range has one column; a zip has one per zipped field, all as long.
struct Axis {
  std::vector<AxisColumn> columns;
  size_t size() const { return columns.empty() ? 0 : columns.front().values.size(); }
};

inline constexpr uint64_t kLargeSweepPoints = 10'000'000;

class SweepSpec {
public:
  // Parses and checks the file: unknown fields and chip paths, type
  // mismatches, empty axes. Paths to model, chip and GPU files are resolved
  // against the sweep file's folder. Throws SweepError.
  static SweepSpec load(const std::filesystem::path& file);
  static SweepSpec parse(const std::string& jsonText, const std::string& file,
                         const std::filesystem::path& baseDir);

  const std::string& file() const { return m_file; }
  const std::vector<Axis>& axes() const { return m_axes; }
  // Every swept column, in axis order: the CSV's axis columns.
  std::vector<std::string> axisFields() const;
  uint64_t pointCount() const { return m_points; }
  // Throws SweepError naming the file when the grid exceeds kLargeSweepPoints
  // and the user has not confirmed it.
  void checkSize(bool confirmedLarge) const;

  // The axis values of point `index` (one per axisFields() entry).
  std::vector<Json> axisValues(uint64_t index) const;
  PointConfig pointConfig(uint64_t index) const;
  // The canonical text of this sweep (resolved paths, axes expanded to
  // lists): stored beside the results so a rerun can tell it is the same sweep.
  std::string canonicalJson() const;

private:
  std::string m_file;
  Json m_base = Json::object();
  std::vector<Axis> m_axes;
  uint64_t m_points = 0;
};

// Applies `field` ("users", "chip.clockHz") = `value` to a configuration.
// Throws SweepError (naming `file`) when the field is unknown or the value has
// the wrong JSON type.
void applyField(PointConfig& config, const std::string& field, const Json& value,
                const std::string& file);

// Sets the chip JSON value at a dotted path: the leaf itself, or its "value"
// when the leaf is a {"value", "source"} entry (whose source then names the
// sweep). Throws SweepError (naming `file`, the path and `chipName`) when the
// path is not in the chip JSON or the value's type differs from the chip's.
void setChipField(Json& chip, const std::string& path, const Json& value, const std::string& file,
                  const std::string& chipName);

// Sets every chip field of `config` in `chip` (the JSON of config.chip).
void applyChipFields(Json& chip, const PointConfig& config, const std::string& file);

} // namespace ws::sweep
