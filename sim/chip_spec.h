#pragma once
// A wafer-scale chip (or a system of several wafers) as the simulator sees it:
// a 2-D mesh of processing elements (PEs) with local SRAM, FMAC units and a
// router per PE. Loaded from JSON (presets in assets/chips/); every number in
// the file carries the source it came from, estimates say why.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ws::sim {

// A chip file that cannot be used: names the file, the field and the problem,
// e.g. "wse3.json: field 'clockHz': must be a positive number, got -1".
class ChipSpecError : public std::runtime_error {
public:
  ChipSpecError(std::string file, std::string field, std::string problem);
  const std::string& file() const { return m_file; }
  const std::string& field() const { return m_field; }
  const std::string& problem() const { return m_problem; }

private:
  std::string m_file;
  std::string m_field;
  std::string m_problem;
};

// The span a parameter could take where no primary source pins it down
// (its source says UNCONFIRMED). Predictions are shown with the band these
// spans give (ChipSpec::atUnconfirmedExtreme).
struct ParameterRange {
  double low = 0.0;
  double high = 0.0;
};

struct ChipSpec {
  std::string name;
  std::string description;
  std::string file; // where it was loaded from ("" when built in code)

  // Mesh of one wafer, in PEs. A multi-wafer system places its wafers side by
  // side in x: global x = wafer * fabricWidth + local x.
  int fabricWidth = 0;
  int fabricHeight = 0;
  int diesX = 1; // die grid on the wafer (for overlays and die-crossing stats)
  int diesY = 1;
  double clockHz = 0.0;
  int64_t sramBytesPerPe = 0;
  double sramReadBytesPerCycle = 0.0;
  double sramWriteBytesPerCycle = 0.0;
  double macsPerCycle = 0.0;      // FP16 fused multiply-adds per PE per cycle
  int routerPorts = 0;            // including the ramp to the PE's own core
  double linkBytesPerCycle = 0.0; // one direction of one mesh link
  double hopLatencyCycles = 0.0;  // router + wire, per hop
  // A wavelet crossing between a PE's router and its core (each way): the
  // ramp latency T_R of Luczynski et al.'s model, so a dependent reduce stage
  // (receive, add, send) costs 2 T_R + 1 cycles plus its hop.
  double rampLatencyCycles = 0.0;
  // From the wavelet or barrier that triggers an op's task to its first
  // vector instruction (task activation and DSD set-up), per op.
  double taskActivationCycles = 0.0;
  int virtualChannels = 0;       // routable colours per link
  int64_t reserveBytesPerPe = 0; // SRAM held by code, runtime and fabric buffers
  double hostIoBytesPerSecond = 0.0;
  int wafers = 1;                       // systems, pipelined layer-wise
  double waferLinkBytesPerSecond = 0.0; // system-to-system, one direction
  double waferLinkLatencySeconds = 0.0;
  double powerWatts = 0.0; // per system (wafer + its support)
  // Field name (as in the JSON) -> where the number comes from.
  std::map<std::string, std::string> sources;
  // Field name -> plausible span, for every field whose source says UNCONFIRMED.
  std::map<std::string, ParameterRange> unconfirmed;

  int totalWidth() const { return fabricWidth * wafers; } // all wafers side by side
  int64_t pesPerWafer() const { return int64_t(fabricWidth) * fabricHeight; }
  int64_t totalPes() const { return pesPerWafer() * wafers; }
  double totalSramBytes() const { return double(sramBytesPerPe) * double(totalPes()); }
  double secondsPerCycle() const { return 1.0 / clockHz; }
  double systemPowerWatts() const { return powerWatts * wafers; }
  // The source string of a field ("" when the file gives none).
  std::string source(const std::string& field) const;
  // A copy with every unconfirmed timing parameter at the end of its range
  // that makes decode slower (`slower`) or faster. Every timing term is
  // monotone in each parameter, so these two copies bound the prediction over
  // all combinations of the ranges.
  ChipSpec atUnconfirmedExtreme(bool slower) const;
  // Names of the unconfirmed fields that change timing, as in the JSON.
  std::vector<std::string> unconfirmedTimingFields() const;
};

// Parses chip JSON text; `file` names it in errors. Checks every field (present,
// right type, in range) and throws ChipSpecError on the first problem.
ChipSpec parseChipSpec(const std::string& jsonText, const std::string& file);
// A preset name ("wse3", from assetsDir()/chips/NAME.json) or a path to a JSON
// file. An unknown name throws ChipSpecError listing the presets.
ChipSpec loadChipSpec(const std::string& nameOrPath);
// Preset names (file stems in assetsDir()/chips), sorted.
std::vector<std::string> listChipPresets();
// The JSON text of a spec in the preset format (with sources and ranges), for
// writing a modified chip.
std::string chipSpecToJson(const ChipSpec& chip);

} // namespace ws::sim
