#pragma once
// Where a model lives on the chip: rectangles of PEs (regions), the ops each
// region runs for one token, and the SRAM every PE of a region holds.
//
// Coordinates are global: wafers sit side by side in x, so PE (x, y) is on
// wafer x / chip.fabricWidth. All PEs of a region run the same program and hold
// the same bytes (uniform SRAM per region).
#include "core/model_spec.h"
#include "sim/chip_spec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ws::sim {

enum class RegionKind { Embedding, Attention, Ffn, Expert, SharedExpert, LmHead };
const char* toString(RegionKind kind);

// Op semantics, shared by the fast and the detailed engine:
// - MatVec: out[rows] = W[rows x cols] * in[cols], W tiled over the whole
//   region. With broadcast == Y, the input is split into rect.w slices that
//   enter at the top row (y = rect.y) and travel down each column; every PE
//   multiplies its (rows / rect.h) x (cols / rect.w) block; partial sums
//   (partialBytes each) are reduced along each row towards the left column
//   (x = rect.x), where the output ends split into rect.h slices. With
//   broadcast == X the roles of x and y swap (input enters at the left column,
//   output ends on the top row). Consecutive matvecs alternate the axis, so one
//   op's output edge is the next op's input edge.
// - Norm: RMSNorm of `elements` values spread over the region's top row
//   (rect.w PEs): sum of squares reduced along the row, the scale broadcast
//   back, `flopsPerElement` per value.
// - Elementwise: `elements` values spread over the top row, `flopsPerElement`
//   each (SiLU times gate, RoPE, residual add), no communication.
// - Attention: one query of `heads` x `headDim` against the KV cache of the
//   current context. KV heads own column groups (rect.w / kvHeads columns
//   each, or several heads per column when there are more heads than
//   columns); a group's tokens spread evenly over its PEs. The query goes
//   down each column; the FP32 weighted values and the softmax maximum and
//   sum per head chain up each column and along the top row to the group's
//   first column.
// - Lookup: one embedding row (`bytes`), its slices held down the region's
//   centre column (one per row), each row sending its slice west to the left
//   column (rect.w / 2 hops). Streams of n wavelets over h hops take
//   h + n - 1 cycles (the last leaves n - 1 cycles after the first).
// - Transfer: `bytes` from region `sourceRegion`'s centre to region
//   `targetRegion`'s centre (either -1: this region) over the mesh (Manhattan
//   hops; the bytes spread over min(source rect.h, target rect.h) parallel
//   rows, or min(that, source rect.w, target rect.w) columns when the move is
//   mostly in y), plus the system-to-system link when on different wafers
//   (hops to the right edge of the source wafer, from the left edge of the
//   destination wafer). A routed expert receives its input this way.
//   Lanes are centred on the source's and the target's centre PE, so the
//   transfers of one stage that leave the same region (the input of a layer's
//   experts) or enter the same region (their outputs) share the ramps and
//   links there, served round-robin a wavelet at a time, wherever their
//   wavelets meet.
// - Sample: argmax over `elements` logits on the top row (a reduction).
enum class OpKind { MatVec, Norm, Elementwise, Attention, Lookup, Transfer, Sample };
const char* toString(OpKind kind);
enum class Axis { X, Y };

// Activations and KV entries travel and are stored as FP16; partial sums of a
// matvec are reduced in FP32.
inline constexpr double kActivationBytes = 2.0;
inline constexpr double kPartialSumBytes = 4.0;

struct PeRect {
  int x = 0;
  int y = 0;
  int w = 0;
  int h = 0;
  int64_t area() const { return int64_t(w) * h; }
  bool contains(int px, int py) const { return px >= x && px < x + w && py >= y && py < y + h; }
  bool operator==(const PeRect&) const = default;
};

struct Op {
  OpKind kind = OpKind::Elementwise;
  std::string name; // "attn_qkv", "ffn_down", ...
  // MatVec
  int64_t rows = 0;
  int64_t cols = 0;
  Axis broadcast = Axis::Y;
  // Norm, Elementwise, Sample
  int64_t elements = 0;
  double flopsPerElement = 1.0;
  // Attention
  int64_t heads = 0;
  int64_t kvHeads = 0;
  int64_t headDim = 0;
  // Lookup, Transfer
  int64_t bytes = 0;
  int sourceRegion = -1;
  int targetRegion = -1;
};

// Bytes per PE by category. Regions hold the same bytes in every PE.
struct SramBreakdown {
  double weights = 0.0;
  double kv = 0.0;
  double activations = 0.0;
  double reserve = 0.0;
  double total() const { return weights + kv + activations + reserve; }
};

struct Region {
  int id = 0;
  std::string name; // "layer 3 attention", "layer 7 expert 12", "lm_head"
  RegionKind kind = RegionKind::Attention;
  int layer = -1;  // -1 for embedding and lm_head
  int expert = -1; // routed expert index within the layer, else -1
  int wafer = 0;
  PeRect rect;
  std::vector<Op> ops;
  double weightParams = 0.0; // parameters held by the region
  // Storage per weight of this region's matrices where it differs from the
  // placement's (gpt-oss: MXFP4 experts, BF16 attention); 0: the placement's.
  double bytesPerWeight = 0.0;
  // Per PE at the mapped context and sequence count.
  SramBreakdown sramPerPe;
  // KV bytes each PE gains per token of context (one sequence).
  double kvBytesPerTokenPerPe = 0.0;

  double bytesPerWeightOr(double placementBytesPerWeight) const {
    return bytesPerWeight > 0 ? bytesPerWeight : placementBytesPerWeight;
  }
  // PEs along the output / input dimension of a matvec with this axis.
  int gridOut(Axis broadcast) const { return broadcast == Axis::Y ? rect.h : rect.w; }
  int gridIn(Axis broadcast) const { return broadcast == Axis::Y ? rect.w : rect.h; }
};

// A short label for a region on a wafer-wide picture, where "layer 31
// attention" would be clipped to "layer": "L31 attn", "L7 ffn", "L3 e12",
// "L3 shared", "embed", "lm_head".
std::string shortLabel(const Region& region);

// The regions a token visits, in order. `always` run in parallel; of `routed`
// (a layer's experts) the token uses `activeRouted`. Each listed region runs
// its ops [firstOp, endOp) in this stage (endOp -1: to the last op), so a
// region can serve two stages (a tied embedding table: lookup first, LM head
// last).
struct Stage {
  std::vector<int> always;
  std::vector<int> routed;
  int activeRouted = 0;
  int firstOp = 0;
  int endOp = -1;
};

// Appends to `out` the routed regions (experts) a token of `sequence` uses in
// `stage`: `activeRouted` distinct ones of `stage.routed`. Which experts a
// token uses depends on its hidden state, which a timing-only run does not
// have: a fixed hash of (sequence, token, stage) picks them, so runs are
// reproducible, the load spreads evenly and both engines route a token
// through the same experts.
void appendRoutedRegions(const Stage& stage, int sequence, int64_t token, std::vector<int>& out);

struct MapOptions {
  int64_t contextTokens = 4096; // KV cache reserved per sequence
  int sequences = 1;            // concurrent sequences sharing the pipeline
  double bytesPerWeight = 0.0;  // 0: the model's own (e.g. 1.0 for 8-bit)
  int wafers = 0;               // 0: the chip's; otherwise override the system count
  bool fewestWafers = false;    // use the fewest wafers (<= the count above) that fit
  // Map the transformer layers only, without embedding table and LM head
  // (per-layer studies, e.g. WaferLLM's one-layer extrapolation).
  bool layersOnly = false;
  // Rows at the top of the first wafer (y < reservedRows) left free for a
  // speculative draft model mapped beside this one (sim/speculative_step.h).
  int reservedRows = 0;
};

class Placement {
public:
  Placement(ChipSpec chip, core::ModelSpec model, MapOptions options, int wafers,
            double bytesPerWeight, std::vector<Region> regions, std::vector<Stage> stages);

  const ChipSpec& chip() const { return m_chip; }
  const core::ModelSpec& model() const { return m_model; }
  const MapOptions& options() const { return m_options; }
  int wafers() const { return m_wafers; }
  // The average over all weights; a region's own is region.bytesPerWeightOr(this).
  double bytesPerWeight() const { return m_bytesPerWeight; }
  const std::vector<Region>& regions() const { return m_regions; }
  const std::vector<Stage>& stages() const { return m_stages; }
  // Field size: all wafers side by side.
  int width() const { return m_chip.fabricWidth * m_wafers; }
  int height() const { return m_chip.fabricHeight; }

  // Region id at a PE, -1 where unused. O(1) through a per-PE index grid.
  int regionIdAt(int x, int y) const;
  const Region* regionAt(int x, int y) const;
  // Row-major per-PE region ids (width() * height()).
  const std::vector<int32_t>& regionIndex() const { return m_index; }

  int64_t usedPes() const;
  // Sum over all PEs, bytes, at `contextTokens` per sequence (the mapped
  // context when negative).
  SramBreakdown sramTotal(int64_t contextTokens = -1) const;
  // Bytes of one region PE at a context length per sequence.
  SramBreakdown sramPerPe(const Region& region, int64_t contextTokens) const;
  // The largest context (per sequence) whose KV cache still fits every PE.
  int64_t maxContextTokens() const;

private:
  ChipSpec m_chip;
  core::ModelSpec m_model;
  MapOptions m_options;
  int m_wafers;
  double m_bytesPerWeight;
  std::vector<Region> m_regions;
  std::vector<Stage> m_stages;
  std::vector<int32_t> m_index;
};

} // namespace ws::sim
