#include "sim/mesh_dataflow.h"

#include "sim/mechanisms.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ws::sim {
namespace {

constexpr double kFp16Bytes = 2.0;

int64_t padTo(int64_t value, int n) {
  return (value + n - 1) / n * n;
}

void checkGrid(const ChipSpec& chip, int n) {
  if (n < 1 || n > chip.fabricWidth || n > chip.fabricHeight) {
    throw std::invalid_argument(fmt::format("grid {0} x {0} does not fit {1}'s {2} x {3} fabric", n,
                                            chip.name, chip.fabricWidth, chip.fabricHeight));
  }
}

// A chain from both ends of `members` PEs to the middle one: the longer half
// sets the depth.
void addChainToMiddle(TimeBreakdown& t, const ChipTerms& c, double members, double hopsApart) {
  addChain(t, c, std::floor(members / 2.0) + 1.0, hopsApart);
}

// Per-layer vector work spread over the grid: norms, SiLU x gate, residuals.
void addVectorWork(TimeBreakdown& t, const ChipTerms& c, double elementsPerPe, double flops) {
  t.compute += elementsPerPe * flops / c.macs;
  t.dispatch += c.dispatch;
}

} // namespace

int meshAllreduceGroup(int n) {
  const double root = std::sqrt(double(n));
  for (int g = int(std::ceil(root)); g < n; ++g) {
    if (n % g == 0) {
      return g;
    }
  }
  return n;
}

TimeBreakdown meshAllreduceCycles(const ChipSpec& chip, double values, int n) {
  const ChipTerms c = terms(chip);
  TimeBreakdown t;
  if (n < 2) {
    return t;
  }
  const double wavelets = ceilDiv(values * kFp16Bytes, kWaveletBytes);
  const int g = meshAllreduceGroup(n);
  const double groups = double(n / g);
  // Inside each group, then across the group roots; each phase streams its
  // wavelets behind the first.
  addChainToMiddle(t, c, g, 1.0);
  t.serialisation += wavelets - 1.0;
  if (groups > 1.0) {
    addChainToMiddle(t, c, groups, g);
    t.serialisation += wavelets - 1.0;
  }
  // The root multicasts the sum to both ends of the line.
  addMulticast(t, c, std::ceil(double(n) / 2.0));
  t.serialisation += wavelets - 1.0;
  return t;
}

TimeBreakdown meshGemvCycles(const ChipSpec& chip, int64_t rows, int64_t cols, int n,
                             double bytesPerWeight) {
  checkGrid(chip, n);
  const ChipTerms c = terms(chip);
  const double blockRows = double(padTo(rows, n) / n);
  const double blockCols = double(padTo(cols, n) / n);
  TimeBreakdown t;
  t.dispatch += c.dispatch;
  addWork(t, c, blockRows * blockCols, blockRows * blockCols * bytesPerWeight);
  t += meshAllreduceCycles(chip, blockRows, n);
  return t;
}

TimeBreakdown meshGemmCycles(const ChipSpec& chip, int64_t rows, int64_t cols, int64_t tokens,
                             int n) {
  checkGrid(chip, n);
  const ChipTerms c = terms(chip);
  const double blockRows = double(padTo(rows, n) / n);
  const double blockCols = double(padTo(cols, n) / n);
  const double blockTokens = double(padTo(tokens, n) / n);
  TimeBreakdown step;
  step.dispatch += c.dispatch;
  addWork(step, c, blockRows * blockCols * blockTokens, blockRows * blockCols * kFp16Bytes);
  // The activation block shifts two hops to its next owner while the next
  // product can start only once it is there.
  addMulticast(step, c, 2.0);
  step.serialisation += ceilDiv(blockCols * blockTokens * kFp16Bytes, kWaveletBytes);
  return step.scaled(double(n));
}

namespace {

// One decoder layer on n x n PEs: `rows` activation rows per PE column block
// (1 for a decode step, the prompt's share for prefill), attention over
// `keys` tokens, and `product(out, in)` the cycles of one [in -> out] matrix
// product over the grid (MeshGEMV or MeshGEMM).
template <typename Product>
TimeBreakdown layerCycles(const ChipSpec& chip, const core::ModelSpec& model, int n, int64_t keys,
                          double rows, Product&& product) {
  checkGrid(chip, n);
  const ChipTerms c = terms(chip);
  const int64_t dim = int64_t(model.hiddenSize);
  const int64_t ffn = int64_t(model.ffnSize);
  const double dimPerPe = double(padTo(dim, n) / n);
  TimeBreakdown t;
  for (int norm = 0; norm < 2; ++norm) {
    addVectorWork(t, c, rows * dimPerPe, 2.0); // square-accumulate, then scale
    t += meshAllreduceCycles(chip, rows, n);
  }
  for (int qkvo = 0; qkvo < 4; ++qkvo) {
    t += product(dim, dim);
  }
  // One head with head_dim = hidden: scores over the keys, softmax (a
  // maximum and a sum allreduced), then the weighted values.
  t += product(keys, dim);
  addVectorWork(t, c, rows * double(padTo(keys, n) / n), 3.0);
  t += meshAllreduceCycles(chip, 2.0 * rows, n);
  t += product(dim, keys);
  t += product(ffn, dim); // gate
  t += product(ffn, dim); // up
  addVectorWork(t, c, rows * double(padTo(ffn, n) / n), 4.0);
  t += product(dim, ffn);                    // down
  addVectorWork(t, c, rows * dimPerPe, 2.0); // two residual adds
  return t;
}

} // namespace

TimeBreakdown meshDecodeLayerCycles(const ChipSpec& chip, const core::ModelSpec& model, int n,
                                    int64_t context) {
  return layerCycles(
      chip, model, n, std::max<int64_t>(1, context), 1.0,
      [&](int64_t rows, int64_t cols) { return meshGemvCycles(chip, rows, cols, n); });
}

TimeBreakdown meshPrefillLayerCycles(const ChipSpec& chip, const core::ModelSpec& model, int n,
                                     int64_t promptTokens) {
  checkGrid(chip, n);
  const int64_t tokens = std::max<int64_t>(1, promptTokens);
  return layerCycles(
      chip, model, n, tokens, double(padTo(tokens, n) / n),
      [&](int64_t rows, int64_t cols) { return meshGemmCycles(chip, rows, cols, tokens, n); });
}

double meshDecodeTokensPerSecond(const ChipSpec& chip, const core::ModelSpec& model, int n,
                                 int64_t context) {
  const double cycles = meshDecodeLayerCycles(chip, model, n, context).total();
  return chip.clockHz / (cycles * double(model.layers));
}

double meshPrefillTokensPerSecond(const ChipSpec& chip, const core::ModelSpec& model, int n,
                                  int64_t promptTokens) {
  const double cycles = meshPrefillLayerCycles(chip, model, n, promptTokens).total();
  return double(promptTokens) * chip.clockHz / (cycles * double(model.layers));
}

} // namespace ws::sim
