#pragma once
// WaferLLM's dataflow (He et al., OSDI 2025; code MeshInfra/WaferLLM), timed
// with the same mechanisms as the fast engine (sim/mechanisms.h), the way its
// published tables were measured: one decoder layer mapped onto an N x N
// sub-grid of PEs, every matrix tiled over the whole grid, dims padded to a
// multiple of N, attention with one head of head_dim = hidden, and the
// layer's time multiplied by the layer count.
// - Decode (Table 4): MeshGEMV: each PE multiplies its (M/N) x (K/N) block,
//   then a two-level allreduce along the reduction axis: groups of g PEs
//   (g = the smallest divisor of N not below sqrt(N), as two_tree_allreduce
//   cuts them) chain from both ends to the group's middle, the group roots
//   chain the same way g hops apart, and the root multicasts the sum back up
//   and down. Partial sums travel as FP16, two per wavelet.
// - Prefill (Table 3): MeshGEMM: N steps of a Cannon-like cyclic shift, each
//   step a local block product and a two-hop neighbour shift of the blocks.
#include "core/model_spec.h"
#include "sim/chip_spec.h"
#include "sim/engine_observer.h"

#include <cstdint>

namespace ws::sim {

// The group size WaferLLM's two-level allreduce uses on a line of n PEs.
int meshAllreduceGroup(int n);
// Cycles of a two-level allreduce of `values` FP16 values per PE along a line
// of n PEs.
TimeBreakdown meshAllreduceCycles(const ChipSpec& chip, double values, int n);
// Cycles of one MeshGEMV, out[rows] = W[rows x cols] in[cols], on n x n PEs.
TimeBreakdown meshGemvCycles(const ChipSpec& chip, int64_t rows, int64_t cols, int n,
                             double bytesPerWeight = 2.0);
// Cycles of one MeshGEMM, [tokens x cols] x [cols x rows], on n x n PEs.
TimeBreakdown meshGemmCycles(const ChipSpec& chip, int64_t rows, int64_t cols, int64_t tokens,
                             int n);

// One decoder layer of `model` on an n x n grid: a decode step at `context`
// tokens of KV, or a prefill of `promptTokens`.
TimeBreakdown meshDecodeLayerCycles(const ChipSpec& chip, const core::ModelSpec& model, int n,
                                    int64_t context);
TimeBreakdown meshPrefillLayerCycles(const ChipSpec& chip, const core::ModelSpec& model, int n,
                                     int64_t promptTokens);
// Tokens per second as WaferLLM reports them: 1 / (layer time x layers) for
// decode, prompt tokens / (layer time x layers) for prefill. Throws
// std::invalid_argument when the grid does not fit the chip's fabric.
double meshDecodeTokensPerSecond(const ChipSpec& chip, const core::ModelSpec& model, int n,
                                 int64_t context);
double meshPrefillTokensPerSecond(const ChipSpec& chip, const core::ModelSpec& model, int n,
                                  int64_t promptTokens);

} // namespace ws::sim
