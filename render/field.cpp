#include "render/field.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <stdexcept>

namespace ws::render {

void validateField(const Field& field) {
  const uint64_t cells = uint64_t(field.width) * field.height;
  if (field.values.size() != cells) {
    throw std::invalid_argument(fmt::format("field {} x {} needs {} values but has {}", field.width,
                                            field.height, cells, field.values.size()));
  }
}

ResolvedRange resolveRange(const ValueRange& range, const Field& field) {
  if (!range.automatic &&
      (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min > range.max)) {
    throw std::invalid_argument(
        fmt::format("value range [{}, {}] is not a finite, ordered range", range.min, range.max));
  }
  // Branch-free over independent lanes so the compiler vectorises it: this
  // runs for every new 900 000-cell frame.
  constexpr size_t kLanes = 16;
  std::array<float, kLanes> lo;
  std::array<float, kLanes> hi;
  std::array<uint32_t, kLanes> nan{};
  lo.fill(INFINITY);
  hi.fill(-INFINITY);
  const float* v = field.values.data();
  const size_t n = field.values.size();
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t k = 0; k < kLanes; ++k) {
      const float x = v[i + k];
      const bool finite = std::fabs(x) <= FLT_MAX; // false for NaN and infinities
      lo[k] = std::min(lo[k], finite ? x : INFINITY);
      hi[k] = std::max(hi[k], finite ? x : -INFINITY);
      nan[k] |= uint32_t(x != x);
    }
  }
  for (; i < n; ++i) {
    const float x = v[i];
    const bool finite = std::fabs(x) <= FLT_MAX;
    lo[0] = std::min(lo[0], finite ? x : INFINITY);
    hi[0] = std::max(hi[0], finite ? x : -INFINITY);
    nan[0] |= uint32_t(x != x);
  }
  const float min = *std::min_element(lo.begin(), lo.end());
  const float max = *std::max_element(hi.begin(), hi.end());
  const bool hasNoData = std::any_of(nan.begin(), nan.end(), [](uint32_t b) { return b != 0; });
  ResolvedRange resolved;
  resolved.hasNoData = hasNoData;
  if (!range.automatic) {
    resolved.min = range.min;
    resolved.max = range.max;
    resolved.valid = true;
  } else if (min <= max) {
    resolved.min = min;
    resolved.max = max;
    resolved.valid = true;
  } // else no finite value: every cell is drawn as "no data"
  return resolved;
}

} // namespace ws::render
