#pragma once
// Places a model on a chip: layer-pipelined regions, matrices tiled over each
// region, SRAM budgeted per PE. Shapes are chosen to minimise the token latency
// the fast engine's closed forms predict.
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/placement.h"

#include <stdexcept>
#include <string>

namespace ws::sim {

// The model does not fit, with the numbers: "llama-3.1-405b needs 826 GB of
// SRAM (weights 812 GB, KV 9.4 GB, reserve 4.3 GB), wse3 has 44.2 GB: try
// more wafers or 8-bit weights". Also thrown by an engine when a growing KV
// cache outgrows SRAM during a run.
class FitError : public std::runtime_error {
public:
  FitError(const std::string& message, double neededBytes, double availableBytes);
  double neededBytes() const { return m_needed; }
  double availableBytes() const { return m_available; }

private:
  double m_needed;
  double m_available;
};

Placement mapModel(const core::ModelSpec& model, const ChipSpec& chip,
                   const MapOptions& options = {});

} // namespace ws::sim
