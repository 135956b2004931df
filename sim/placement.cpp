#include "sim/placement.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>

namespace ws::sim {

const char* toString(RegionKind kind) {
  switch (kind) {
  case RegionKind::Embedding:
    return "embedding";
  case RegionKind::Attention:
    return "attention";
  case RegionKind::Ffn:
    return "ffn";
  case RegionKind::Expert:
    return "expert";
  case RegionKind::SharedExpert:
    return "shared_expert";
  case RegionKind::LmHead:
    return "lm_head";
  }
  return "?";
}

std::string shortLabel(const Region& region) {
  switch (region.kind) {
  case RegionKind::Embedding:
    return "embed";
  case RegionKind::LmHead:
    return "lm_head";
  case RegionKind::Attention:
    return fmt::format("L{} attn", region.layer);
  case RegionKind::Ffn:
    return fmt::format("L{} ffn", region.layer);
  case RegionKind::Expert:
    return fmt::format("L{} e{}", region.layer, region.expert);
  case RegionKind::SharedExpert:
    return fmt::format("L{} shared", region.layer);
  }
  return region.name;
}

const char* toString(OpKind kind) {
  switch (kind) {
  case OpKind::MatVec:
    return "matvec";
  case OpKind::Norm:
    return "norm";
  case OpKind::Elementwise:
    return "elementwise";
  case OpKind::Attention:
    return "attention";
  case OpKind::Lookup:
    return "lookup";
  case OpKind::Transfer:
    return "transfer";
  case OpKind::Sample:
    return "sample";
  }
  return "?";
}

void appendRoutedRegions(const Stage& stage, int sequence, int64_t token, std::vector<int>& out) {
  const size_t first = out.size();
  const size_t n = stage.routed.size();
  const size_t k = std::min(n, size_t(std::max(stage.activeRouted, 0)));
  uint64_t h = uint64_t(sequence) * 0x9E3779B97F4A7C15ull ^
               uint64_t(token) * 0xBF58476D1CE4E5B9ull ^
               uint64_t(stage.routed.empty() ? 0 : stage.routed.front()) * 0x94D049BB133111EBull;
  while (out.size() - first < k) {
    h ^= h >> 31;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    size_t i = size_t(h % n);
    while (std::find(out.begin() + ptrdiff_t(first), out.end(), stage.routed[i]) != out.end()) {
      i = (i + 1) % n;
    }
    out.push_back(stage.routed[i]);
  }
}

Placement::Placement(ChipSpec chip, core::ModelSpec model, MapOptions options, int wafers,
                     double bytesPerWeight, std::vector<Region> regions, std::vector<Stage> stages)
    : m_chip(std::move(chip)), m_model(std::move(model)), m_options(options), m_wafers(wafers),
      m_bytesPerWeight(bytesPerWeight), m_regions(std::move(regions)), m_stages(std::move(stages)) {
  const int w = width();
  const int h = height();
  m_index.assign(size_t(w) * size_t(h), -1);
  for (const Region& region : m_regions) {
    const PeRect& r = region.rect;
    if (r.w <= 0 || r.h <= 0 || r.x < 0 || r.y < 0 || r.x + r.w > w || r.y + r.h > h) {
      throw std::invalid_argument("placement: region '" + region.name +
                                  "' lies outside the fabric");
    }
    for (int y = r.y; y < r.y + r.h; ++y) {
      int32_t* row = m_index.data() + size_t(y) * size_t(w);
      for (int x = r.x; x < r.x + r.w; ++x) {
        if (row[x] != -1) {
          throw std::invalid_argument("placement: regions '" + region.name + "' and '" +
                                      m_regions[size_t(row[x])].name + "' overlap");
        }
        row[x] = region.id;
      }
    }
  }
}

int Placement::regionIdAt(int x, int y) const {
  if (x < 0 || y < 0 || x >= width() || y >= height()) {
    return -1;
  }
  return m_index[size_t(y) * size_t(width()) + size_t(x)];
}

const Region* Placement::regionAt(int x, int y) const {
  const int id = regionIdAt(x, y);
  return id < 0 ? nullptr : &m_regions[size_t(id)];
}

int64_t Placement::usedPes() const {
  int64_t used = 0;
  for (const Region& region : m_regions) {
    used += region.rect.area();
  }
  return used;
}

SramBreakdown Placement::sramPerPe(const Region& region, int64_t contextTokens) const {
  SramBreakdown s = region.sramPerPe;
  if (contextTokens >= 0) {
    s.kv = region.kvBytesPerTokenPerPe * double(contextTokens) * double(m_options.sequences);
  }
  return s;
}

SramBreakdown Placement::sramTotal(int64_t contextTokens) const {
  SramBreakdown total;
  for (const Region& region : m_regions) {
    const SramBreakdown s = sramPerPe(region, contextTokens);
    const double pes = double(region.rect.area());
    total.weights += s.weights * pes;
    total.kv += s.kv * pes;
    total.activations += s.activations * pes;
    total.reserve += s.reserve * pes;
  }
  return total;
}

int64_t Placement::maxContextTokens() const {
  double best = std::numeric_limits<double>::infinity();
  for (const Region& region : m_regions) {
    if (region.kvBytesPerTokenPerPe <= 0) {
      continue;
    }
    const SramBreakdown& s = region.sramPerPe;
    const double free = double(m_chip.sramBytesPerPe) - s.weights - s.activations - s.reserve;
    best = std::min(best, free / (region.kvBytesPerTokenPerPe * double(m_options.sequences)));
  }
  if (!std::isfinite(best)) {
    return std::numeric_limits<int64_t>::max();
  }
  return std::max<int64_t>(0, int64_t(std::floor(best)));
}

} // namespace ws::sim
