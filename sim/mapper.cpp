#include "sim/mapper.h"

#include "sim/fast_engine.h"
#include "sim/work_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace ws::sim {
namespace {

constexpr double kGB = 1e9;

// A region before it has a rectangle.
struct Plan {
  Region region;
  double weightBytes = 0.0;
  double kvBytesPerToken = 0.0; // one sequence, the whole region
  double minArea = 0.0;
  int group = 0; // regions of one group stay on one wafer
};

Op matVec(const char* name, uint64_t rows, uint64_t cols, Axis axis) {
  Op op;
  op.kind = OpKind::MatVec;
  op.name = name;
  op.rows = int64_t(rows);
  op.cols = int64_t(cols);
  op.broadcast = axis;
  return op;
}

Op vectorOp(OpKind kind, const char* name, uint64_t elements, double flops) {
  Op op;
  op.kind = kind;
  op.name = name;
  op.elements = int64_t(elements);
  op.flopsPerElement = flops;
  return op;
}

Op transfer(const char* name, uint64_t bytes, int source, int target) {
  Op op;
  op.kind = OpKind::Transfer;
  op.name = name;
  op.bytes = int64_t(bytes);
  op.sourceRegion = source;
  op.targetRegion = target;
  return op;
}

// Buffers a PE of a w x h region needs for its ops (input slice, partial sums,
// attention outputs); buffers are reused from op to op, so the largest counts.
double activationBytes(const Region& r, int w, int h) {
  double most = 0.0;
  for (const Op& op : r.ops) {
    double bytes = 0.0;
    switch (op.kind) {
    case OpKind::MatVec: {
      const double gOut = op.broadcast == Axis::Y ? h : w;
      const double gIn = op.broadcast == Axis::Y ? w : h;
      bytes = std::ceil(double(op.cols) / gIn) * kActivationBytes +
              std::ceil(double(op.rows) / gOut) * kPartialSumBytes;
      break;
    }
    case OpKind::Attention:
      bytes = double(op.heads / std::max<int64_t>(op.kvHeads, 1) * op.headDim) *
              (kActivationBytes + kPartialSumBytes);
      break;
    case OpKind::Norm:
    case OpKind::Elementwise:
    case OpKind::Sample:
      bytes = std::ceil(double(op.elements) / w) * kPartialSumBytes;
      break;
    case OpKind::Lookup:
    case OpKind::Transfer:
      bytes = std::ceil(double(op.bytes) / std::max(w, 1));
      break;
    }
    most = std::max(most, bytes);
  }
  return most;
}

struct Layout {
  std::vector<Region> regions;
  double seconds = std::numeric_limits<double>::infinity();
};

class Mapper {
public:
  Mapper(const core::ModelSpec& model, const ChipSpec& chip, const MapOptions& options)
      : m_model(model), m_chip(chip), m_options(options) {
    m_bpw = options.bytesPerWeight > 0 ? options.bytesPerWeight : model.bytesPerWeight;
    m_context = std::max<int64_t>(1, options.contextTokens);
    m_sequences = std::max(1, options.sequences);
  }

  Placement run() {
    m_model.validate();
    buildPlans();
    const int maxWafers = m_options.wafers > 0 ? m_options.wafers : m_chip.wafers;
    int wafers = maxWafers;
    if (m_options.fewestWafers) {
      wafers = 1;
      while (wafers < maxWafers && !fits(wafers)) {
        ++wafers;
      }
    }
    checkFits(wafers);
    Layout best = bestLayout(wafers);
    // Rectangles waste a little; the fewest wafers by bytes may need one more.
    while (best.regions.empty() && m_options.fewestWafers && wafers < maxWafers) {
      best = bestLayout(++wafers);
    }
    if (best.regions.empty()) {
      throw FitError(fmt::format("{} fits {} by bytes but its {} regions do not pack into "
                                 "rectangles ({:.0f} PEs needed of {}): try more wafers or "
                                 "8-bit weights",
                                 m_model.name, m_chip.name, m_plans.size(), minPes(),
                                 usablePes(wafers)),
                     neededBytes(), capacityBytes(wafers));
    }
    MapOptions options = m_options;
    options.contextTokens = m_context;
    options.sequences = m_sequences;
    options.bytesPerWeight = m_bpw;
    options.wafers = wafers;
    return Placement(m_chip, m_model, options, wafers, m_bpw, std::move(best.regions), m_stages);
  }

private:
  // The layout with the lowest predicted decode latency over a grid of fill
  // fractions and band heights; no regions when none packs.
  Layout bestLayout(int wafers) const {
    const std::vector<int> waferOf = assignWafers(wafers);
    Layout best;
    const int64_t context = std::max<int64_t>(1, m_context / 2);
    for (double fill : {0.97, 0.8, 0.65, 0.5, 0.38, 0.28, 0.2, 0.14, 0.1}) {
      for (double aspect : {0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8}) {
        std::optional<std::vector<Region>> regions = layout(waferOf, wafers, fill, aspect);
        if (!regions) {
          continue;
        }
        const double seconds = predictDecodeSeconds(m_chip, m_bpw, *regions, m_stages, context);
        if (seconds < best.seconds) {
          best.seconds = seconds;
          best.regions = std::move(*regions);
        }
      }
    }
    return best;
  }

  int addPlan(RegionKind kind, int layer, int expert, std::string name, double params,
              double kvPerToken, int group) {
    Plan p;
    p.region.id = int(m_plans.size());
    p.region.kind = kind;
    p.region.layer = layer;
    p.region.expert = expert;
    p.region.name = std::move(name);
    p.region.weightParams = params;
    p.region.bytesPerWeight = regionBytesPerWeight(kind);
    p.weightBytes = params * p.region.bytesPerWeightOr(m_bpw);
    p.kvBytesPerToken = kvPerToken;
    p.group = group;
    m_plans.push_back(std::move(p));
    return m_plans.back().region.id;
  }

  // Each tensor class at its own storage (gpt-oss: MXFP4 routed experts,
  // BF16 the rest) unless the options set one width for all; 0: the
  // placement's average.
  double regionBytesPerWeight(RegionKind kind) const {
    if (m_options.bytesPerWeight > 0 || m_model.expertBytesPerWeight <= 0) {
      return 0.0;
    }
    return kind == RegionKind::Expert ? m_model.routedExpertBytesPerWeight()
                                      : m_model.nonExpertBytesPerWeight();
  }

  // A PE that scores its cached tokens needs the query of every head that
  // reads them. MLA's heads all read one latent cache, and 128 heads of 576
  // values are more than a PE's SRAM, so the cache is replicated over column
  // groups that each serve heads / replicas heads (the Attention op's KV
  // groups): the fewest replicas (a power of two dividing the heads) whose
  // query and FP32 output buffer leave at least half of a PE's SRAM to
  // weights and cache. 1 without MLA (the KV heads are the groups).
  uint64_t mlaCacheReplicas() const {
    const core::ModelSpec& m = m_model;
    if (!m.isMla()) {
      return 1;
    }
    const double headDim = double(m.kvLoraRank + m.qkRopeHeadDim / 2);
    const double budget = 0.5 * double(m_chip.sramBytesPerPe - m_chip.reserveBytesPerPe);
    uint64_t replicas = 1;
    while (replicas < m.heads && m.heads % (2 * replicas) == 0 &&
           double(m.heads / replicas) * headDim * (kActivationBytes + kPartialSumBytes) > budget) {
      replicas *= 2;
    }
    return replicas;
  }

  // One layer's attention ops, from the normed input to the residual add.
  void appendAttentionOps(std::vector<Op>& a) const {
    const core::ModelSpec& m = m_model;
    const uint64_t hidden = m.hiddenSize;
    a.push_back(vectorOp(OpKind::Norm, "attn_norm", hidden, 2.0));
    if (!m.isMla()) {
      const uint64_t hd = m.headDim;
      a.push_back(matVec("attn_qkv", (m.heads + 2 * m.kvHeads) * hd, hidden, Axis::Y));
      a.push_back(
          vectorOp(OpKind::Elementwise, "rope", (m.heads + m.kvHeads) * hd, m.qkNorm ? 6.0 : 3.0));
      Op attn;
      attn.kind = OpKind::Attention;
      attn.name = "attention";
      attn.heads = int64_t(m.heads);
      attn.kvHeads = int64_t(m.kvHeads);
      attn.headDim = int64_t(hd);
      a.push_back(attn);
      a.push_back(matVec("attn_out", hidden, m.heads * hd, Axis::X));
      a.push_back(vectorOp(OpKind::Elementwise, "residual", hidden, 1.0));
      return;
    }
    // Multi-head latent attention in its absorbed form (DeepSeek's inference
    // code, attn_impl "absorb"): the cache holds the latent and the shared
    // RoPE key only, and each head's key and value up-projections (the two
    // halves of wkv_b) are applied to the query and to the attention output
    // instead of to every cached token.
    const uint64_t qHeadDim = m.qkNopeHeadDim + m.qkRopeHeadDim;
    const uint64_t latent = m.kvLoraRank;
    // wq_a (or wq) and wkv_a read the same normed input: one matvec.
    const uint64_t qDown = m.qLoraRank ? m.qLoraRank : m.heads * qHeadDim;
    a.push_back(matVec("attn_q_kv_down", qDown + latent + m.qkRopeHeadDim, hidden, Axis::Y));
    a.push_back(vectorOp(OpKind::Norm, "latent_norm", m.qLoraRank + latent, 2.0));
    Axis axis = Axis::X;
    const auto next = [&axis] {
      const Axis now = axis;
      axis = axis == Axis::X ? Axis::Y : Axis::X;
      return now;
    };
    if (m.qLoraRank) {
      a.push_back(matVec("attn_q_up", m.heads * qHeadDim, m.qLoraRank, next()));
    }
    // Each head's query (no-RoPE part) times its key up-projection: a
    // block-diagonal product, stated as heads x latent outputs from a
    // qk_nope-wide input so that its weights, multiply-adds and outputs are
    // exact (its input slices are the heads' own, which this undercounts).
    a.push_back(matVec("attn_q_absorb", m.heads * latent, m.qkNopeHeadDim, next()));
    a.push_back(vectorOp(OpKind::Elementwise, "rope", (m.heads + 1) * m.qkRopeHeadDim, 3.0));
    // Every head scores the one shared cache entry per token (latent +
    // RoPE key, latent + qk_rope multiply-adds) and weighs its latent
    // (latent multiply-adds). The Attention op's cost is heads x headDim x 2
    // per token over kvHeads caches, so one KV head of headDim
    // latent + qk_rope / 2 gives exactly those multiply-adds. (It reads the
    // cache as if K and V were apart, 2 x headDim values per token where MLA
    // reads latent + qk_rope once; the region's SRAM holds what MLA caches.)
    Op attn;
    attn.kind = OpKind::Attention;
    attn.name = "attention_latent";
    attn.heads = int64_t(m.heads);
    attn.kvHeads = int64_t(mlaCacheReplicas());
    attn.headDim = int64_t(latent + m.qkRopeHeadDim / 2);
    a.push_back(attn);
    // Each head's latent output times its value up-projection, block-diagonal
    // as above.
    a.push_back(matVec("attn_v_up", m.heads * m.vHeadDim, latent, Axis::Y));
    a.push_back(matVec("attn_out", hidden, m.heads * m.vHeadDim, Axis::X));
    a.push_back(vectorOp(OpKind::Elementwise, "residual", hidden, 1.0));
  }

  void buildPlans() {
    const core::ModelSpec& m = m_model;
    const core::ParamCounts pc = m.paramCounts();
    const uint64_t layers = m.layers;
    const uint64_t hidden = m.hiddenSize;
    const uint64_t moeLayers = m.moeLayerCount();
    // The final norm sits with the LM head; the rest are per layer.
    const double normsPerLayer = double(pc.norms - hidden) / double(layers);
    const double attnPerLayer = double(m.attentionParamsPerLayer()) + normsPerLayer;
    const double routerPerLayer = moeLayers ? double(pc.router) / double(moeLayers) : 0.0;
    const double densePerLayer = double(m.denseFfnParams());
    const double sharedPerLayer = double(m.sharedExpertParamsPerLayer());
    const double perExpert = double(m.expertParams());
    // What one token adds to a layer's cache: K and V per KV head, or MLA's
    // latent and RoPE key in each of its replicas.
    const double kvPerLayer =
        m.kvBytesPerToken(kActivationBytes) / double(layers) * double(mlaCacheReplicas());
    const uint64_t sharedFfn = m.sharedExpertFfnSize ? m.sharedExpertFfnSize : m.expertFfnSize;
    const uint64_t vecBytes = uint64_t(double(hidden) * kActivationBytes);
    int group = 0;

    // Embedding table: its own region, or the LM head's when tied.
    const bool ends = !m_options.layersOnly;
    int embedding = -1;
    if (ends && !m.tiedEmbeddings) {
      embedding = addPlan(RegionKind::Embedding, -1, -1, "embedding", double(pc.inputEmbedding),
                          0.0, group++);
    }
    std::vector<int> attention(layers), ffn(layers, -1), shared(layers, -1);
    std::vector<std::vector<int>> experts(layers);
    for (uint64_t l = 0; l < layers; ++l) {
      const bool moe = m.isMoeLayer(l);
      attention[l] =
          addPlan(RegionKind::Attention, int(l), -1, fmt::format("layer {} attention", l),
                  attnPerLayer + (moe ? routerPerLayer : 0.0), kvPerLayer, group);
      if (!moe) {
        ffn[l] = addPlan(RegionKind::Ffn, int(l), -1, fmt::format("layer {} ffn", l), densePerLayer,
                         0.0, group);
      } else {
        if (m.sharedExperts > 0 && sharedPerLayer > 0) {
          shared[l] = addPlan(RegionKind::SharedExpert, int(l), -1,
                              fmt::format("layer {} shared expert", l), sharedPerLayer, 0.0, group);
        }
        for (uint64_t e = 0; e < m.experts; ++e) {
          experts[l].push_back(addPlan(RegionKind::Expert, int(l), int(e),
                                       fmt::format("layer {} expert {}", l, e), perExpert, 0.0,
                                       group));
        }
      }
      ++group;
    }
    const double lmParams =
        double(m.tiedEmbeddings ? pc.inputEmbedding : pc.outputEmbedding) + double(hidden);
    const int lmHead =
        ends ? addPlan(RegionKind::LmHead, -1, -1, "lm_head", lmParams, 0.0, group++) : -1;

    auto ops = [&](int id) -> std::vector<Op>& { return m_plans[size_t(id)].region.ops; };
    // Without an LM head the last layer hands its output back to layer 0
    // (the next token's input).
    auto nextAfter = [&](uint64_t l) {
      return l + 1 < layers ? attention[l + 1] : (ends ? lmHead : attention[0]);
    };
    const int tableRegion = embedding >= 0 ? embedding : lmHead;
    const int lookupOps = 2;
    if (ends) {
      Op lookup;
      lookup.kind = OpKind::Lookup;
      lookup.name = "embed_lookup";
      lookup.bytes = int64_t(vecBytes);
      ops(tableRegion).push_back(lookup);
      ops(tableRegion).push_back(transfer("to_layer_0", vecBytes, -1, attention[0]));
    }

    for (uint64_t l = 0; l < layers; ++l) {
      const bool moe = m.isMoeLayer(l);
      auto& a = ops(attention[l]);
      appendAttentionOps(a);
      if (!moe) {
        a.push_back(transfer("to_ffn", vecBytes, -1, ffn[l]));
        auto& f = ops(ffn[l]);
        f.push_back(vectorOp(OpKind::Norm, "ffn_norm", hidden, 2.0));
        f.push_back(matVec("ffn_gate_up", 2 * m.ffnSize, hidden, Axis::Y));
        f.push_back(vectorOp(OpKind::Elementwise, "silu_mul", m.ffnSize, 4.0));
        f.push_back(matVec("ffn_down", hidden, m.ffnSize, Axis::X));
        f.push_back(vectorOp(OpKind::Elementwise, "residual", hidden, 1.0));
        f.push_back(transfer("to_next", vecBytes, -1, nextAfter(l)));
      } else {
        a.push_back(vectorOp(OpKind::Norm, "ffn_norm", hidden, 2.0));
        a.push_back(matVec("router", m.experts, hidden, Axis::Y));
        a.push_back(vectorOp(OpKind::Sample, "top_k", m.experts, 2.0));
        auto expertOps = [&](int id, uint64_t ffnSize) {
          auto& e = ops(id);
          e.push_back(transfer("from_attention", vecBytes, attention[l], -1));
          e.push_back(matVec("expert_gate_up", 2 * ffnSize, hidden, Axis::Y));
          e.push_back(vectorOp(OpKind::Elementwise, "silu_mul", ffnSize, 4.0));
          e.push_back(matVec("expert_down", hidden, ffnSize, Axis::X));
          e.push_back(transfer("to_next", vecBytes, -1, nextAfter(l)));
        };
        if (shared[l] >= 0) {
          expertOps(shared[l], sharedFfn);
        }
        for (int id : experts[l]) {
          expertOps(id, m.expertFfnSize);
        }
      }
    }
    if (ends) {
      auto& head = ops(lmHead);
      head.push_back(vectorOp(OpKind::Norm, "final_norm", hidden, 2.0));
      head.push_back(matVec("lm_head", m.vocabSize, hidden, Axis::Y));
      head.push_back(vectorOp(OpKind::Sample, "argmax", m.vocabSize, 1.0));
      Stage first;
      first.always = {tableRegion};
      first.endOp = lookupOps;
      m_stages.push_back(first);
    }

    // Stages in token order.
    for (uint64_t l = 0; l < layers; ++l) {
      Stage a;
      a.always = {attention[l]};
      m_stages.push_back(a);
      Stage f;
      if (ffn[l] >= 0) {
        f.always = {ffn[l]};
      } else {
        if (shared[l] >= 0) {
          f.always = {shared[l]};
        }
        f.routed = experts[l];
        f.activeRouted = int(std::min<uint64_t>(m.activeExperts, experts[l].size()));
      }
      m_stages.push_back(f);
    }
    if (ends) {
      Stage last;
      last.always = {lmHead};
      last.firstOp = tableRegion == lmHead ? lookupOps : 0;
      m_stages.push_back(last);
    }

    // Smallest rectangle area each region needs at the mapped context.
    const double capacity = double(m_chip.sramBytesPerPe - m_chip.reserveBytesPerPe);
    for (Plan& p : m_plans) {
      const double bytes =
          p.weightBytes + p.kvBytesPerToken * double(m_context) * double(m_sequences);
      double area = std::max(1.0, bytes / capacity);
      for (int i = 0; i < 4; ++i) {
        const int side = std::max(1, int(std::sqrt(area)));
        const double free = capacity - activationBytes(p.region, side, side);
        if (free <= 0) {
          area *= 2.0;
          continue;
        }
        area = std::max(1.0, bytes / free);
      }
      p.minArea = std::ceil(area);
    }
  }

  double weightBytes() const {
    double total = 0.0;
    for (const Plan& p : m_plans) {
      total += p.weightBytes;
    }
    return total;
  }
  double kvBytes() const {
    double total = 0.0;
    for (const Plan& p : m_plans) {
      total += p.kvBytesPerToken * double(m_context) * double(m_sequences);
    }
    return total;
  }
  double minPes() const {
    double total = 0.0;
    for (const Plan& p : m_plans) {
      total += p.minArea;
    }
    return total;
  }
  double neededBytes() const {
    return weightBytes() + kvBytes() + minPes() * double(m_chip.reserveBytesPerPe);
  }
  // PEs the model may use: every wafer's, less the rows reserved at the top
  // of the first (where a speculative draft model sits).
  double usablePes(int wafers) const {
    return double(m_chip.pesPerWafer()) * wafers - reservedPes();
  }
  double reservedPes() const { return double(m_options.reservedRows) * double(m_chip.fabricWidth); }
  double capacityBytes(int wafers) const {
    return double(m_chip.sramBytesPerPe) * usablePes(wafers);
  }

  bool fits(int wafers) const {
    return neededBytes() <= capacityBytes(wafers) && minPes() <= usablePes(wafers);
  }

  void checkFits(int wafers) const {
    const double needed = neededBytes();
    const double available = capacityBytes(wafers);
    if (fits(wafers)) {
      return;
    }
    // The hint names a count that maps: enough bytes and PEs, and regions
    // that pack into rectangles (which may take a wafer or more beyond the
    // bytes alone).
    const double perWafer = double(m_chip.sramBytesPerPe) * double(m_chip.pesPerWafer());
    int wafersNeeded = std::max(1, int(std::ceil(needed / (perWafer * 0.97))));
    const int packingLimit = 2 * wafersNeeded + 4;
    while (wafersNeeded < packingLimit &&
           (!fits(wafersNeeded) || bestLayout(wafersNeeded).regions.empty())) {
      ++wafersNeeded;
    }
    std::string hint = fmt::format("try {} wafers (--wafers {})", wafersNeeded, wafersNeeded);
    if (m_bpw > 1.0) {
      const double at8 = needed - weightBytes() * (1.0 - 1.0 / m_bpw);
      if (at8 <= available) {
        hint += " or 8-bit weights";
      }
    }
    if (kvBytes() > 0.25 * needed) {
      hint += " or a shorter context";
    }
    throw FitError(
        fmt::format("{} needs {:.1f} GB of SRAM (weights {:.1f} GB, KV cache {:.1f} GB "
                    "at {} tokens x {} sequences, reserve {:.1f} GB), {} has {:.1f} "
                    "GB{}: {}",
                    m_model.name, needed / kGB, weightBytes() / kGB, kvBytes() / kGB, m_context,
                    m_sequences, minPes() * double(m_chip.reserveBytesPerPe) / kGB,
                    wafers > 1 ? fmt::format("{} x {}", wafers, m_chip.name) : m_chip.name,
                    available / kGB,
                    m_options.reservedRows > 0
                        ? fmt::format(" beside {} reserved rows", m_options.reservedRows)
                        : "",
                    hint),
        needed, available);
  }

  // Consecutive groups to wafers, balancing their minimum areas.
  std::vector<int> assignWafers(int wafers) const {
    std::vector<double> groupArea;
    for (const Plan& p : m_plans) {
      if (size_t(p.group) >= groupArea.size()) {
        groupArea.resize(size_t(p.group) + 1, 0.0);
      }
      groupArea[size_t(p.group)] += p.minArea;
    }
    // Reserved rows count as area already placed on the first wafer.
    double total = reservedPes();
    for (double a : groupArea) {
      total += a;
    }
    const double target = total / wafers;
    const double capacity = double(m_chip.pesPerWafer());
    std::vector<int> waferOfGroup(groupArea.size(), 0);
    double cumulative = reservedPes();
    int wafer = 0;
    double onWafer = reservedPes();
    for (size_t g = 0; g < groupArea.size(); ++g) {
      const double mid = cumulative + groupArea[g] / 2;
      int want = std::min(wafers - 1, int(mid / target));
      if (want > wafer || onWafer + groupArea[g] > capacity) {
        wafer = std::min(wafers - 1, std::max(want, wafer + (onWafer + groupArea[g] > capacity)));
        onWafer = 0.0;
      }
      waferOfGroup[g] = wafer;
      onWafer += groupArea[g];
      cumulative += groupArea[g];
    }
    std::vector<int> waferOf(m_plans.size());
    for (size_t i = 0; i < m_plans.size(); ++i) {
      waferOf[i] = waferOfGroup[size_t(m_plans[i].group)];
    }
    return waferOf;
  }

  // The narrowest width at which a region `height` PEs tall holds its bytes
  // (weights, KV cache, buffers, reserve); fw + 1 when none does.
  int minWidth(const Plan& p, int height) const {
    const int fw = m_chip.fabricWidth;
    const double bytes =
        p.weightBytes + p.kvBytesPerToken * double(m_context) * double(m_sequences);
    const double capacity = double(m_chip.sramBytesPerPe - m_chip.reserveBytesPerPe);
    int w = std::max(1, int(std::ceil(bytes / (double(height) * capacity))));
    for (int i = 0; i < 8 && w <= fw; ++i) {
      const double free = capacity - activationBytes(p.region, w, height);
      if (free > 0 && bytes / (double(w) * height) <= free) {
        return w;
      }
      w = free > 0 ? std::max(w + 1, int(std::ceil(bytes / (double(height) * free)))) : w * 2;
    }
    return fw + 1;
  }

  // Band packing per wafer in token order: regions fill horizontal bands
  // left to right, then right to left (a snake, so consecutive regions are
  // neighbours). A band is as tall as its regions' total area needs; each
  // region gets the narrowest width that holds its bytes at that height, and
  // the rest of the band's width is shared in proportion to area, so bands
  // tile the wafer without gaps. `fill` scales every region up from its
  // minimum area towards the wafer's size; `aspect` sets the band height
  // relative to the side of the mean region's square.
  std::optional<std::vector<Region>> layout(const std::vector<int>& waferOf, int wafers,
                                            double fill, double aspect) const {
    const int fw = m_chip.fabricWidth;
    const int fh = m_chip.fabricHeight;
    std::vector<Region> regions(m_plans.size());
    for (int w = 0; w < wafers; ++w) {
      std::vector<size_t> ids;
      double minArea = 0.0;
      for (size_t i = 0; i < m_plans.size(); ++i) {
        if (waferOf[i] == w) {
          ids.push_back(i);
          minArea += m_plans[i].minArea;
        }
      }
      if (ids.empty()) {
        continue;
      }
      // The first wafer's reserved rows stay free: its bands start below them.
      const int top = w == 0 ? m_options.reservedRows : 0;
      const double scale =
          std::max(1.0, fill * double(m_chip.pesPerWafer() - int64_t(top) * fw) / minArea);
      const double meanArea = minArea * scale / double(ids.size());
      const double bandTarget =
          std::clamp(std::sqrt(meanArea) * aspect, 1.0, double(fh - top)) * double(fw);
      int y = top;
      size_t next = 0;
      bool leftToRight = true;
      while (next < ids.size()) {
        // Members by cumulative target area.
        std::vector<size_t> band;
        double total = 0.0;
        for (size_t k = next; k < ids.size(); ++k) {
          const double a = m_plans[ids[k]].minArea * scale;
          if (!band.empty() && total + a / 2 > bandTarget) {
            break;
          }
          band.push_back(ids[k]);
          total += a;
        }
        int height = 0;
        std::vector<int> widths;
        for (int grow = 0;;) {
          total = 0.0;
          for (size_t i : band) {
            total += m_plans[i].minArea * scale;
          }
          const int base = std::max(1, int(std::ceil(total / fw)));
          // Whole columns round every region up; a slightly taller band
          // absorbs that before a region moves to the next band.
          height = std::min(fh - y, base + grow * std::max(1, base / 16));
          if (height <= 0) {
            return std::nullopt;
          }
          widths.clear();
          int sum = 0;
          for (size_t i : band) {
            widths.push_back(minWidth(m_plans[i], height));
            sum += widths.back();
          }
          if (sum <= fw) {
            break;
          }
          if (grow < 3 && height < fh - y) {
            ++grow;
            continue;
          }
          if (band.size() == 1) {
            return std::nullopt; // too big even alone in the rows left
          }
          band.pop_back();
          grow = 0;
        }
        // Share the spare columns in proportion to area (largest remainder).
        int spare = fw;
        for (int wdt : widths) {
          spare -= wdt;
        }
        std::vector<std::pair<double, size_t>> remainders;
        const int spareTotal = spare;
        for (size_t k = 0; k < band.size(); ++k) {
          const double share = double(spareTotal) * m_plans[band[k]].minArea * scale / total;
          const int whole = std::min(spare, int(std::floor(share)));
          widths[k] += whole;
          spare -= whole;
          remainders.push_back({share - std::floor(share), k});
        }
        std::sort(remainders.rbegin(), remainders.rend());
        for (size_t k = 0; spare > 0; k = (k + 1) % remainders.size()) {
          widths[remainders[k].second] += 1;
          --spare;
        }
        int x = 0;
        for (size_t k = 0; k < band.size(); ++k) {
          const size_t i = band[k];
          Region r = m_plans[i].region;
          r.wafer = w;
          const int rx = leftToRight ? x : fw - x - widths[k];
          r.rect = {w * fw + rx, y, widths[k], height};
          x += widths[k];
          if (!budget(m_plans[i], r)) {
            return std::nullopt;
          }
          regions[i] = std::move(r);
        }
        y += height;
        next += band.size();
        leftToRight = !leftToRight;
      }
    }
    return regions;
  }

  // SRAM per PE of a region in its rectangle; false when it overflows.
  bool budget(const Plan& p, Region& r) const {
    const double area = double(r.rect.area());
    r.kvBytesPerTokenPerPe = p.kvBytesPerToken / area;
    r.sramPerPe.weights = p.weightBytes / area;
    r.sramPerPe.kv = r.kvBytesPerTokenPerPe * double(m_context) * double(m_sequences);
    r.sramPerPe.activations = activationBytes(r, r.rect.w, r.rect.h);
    r.sramPerPe.reserve = double(m_chip.reserveBytesPerPe);
    return r.sramPerPe.total() <= double(m_chip.sramBytesPerPe);
  }

  core::ModelSpec m_model;
  const ChipSpec& m_chip;
  MapOptions m_options;
  double m_bpw = 2.0;
  int64_t m_context = 1;
  int m_sequences = 1;
  std::vector<Plan> m_plans;
  std::vector<Stage> m_stages;
};

} // namespace

FitError::FitError(const std::string& message, double neededBytes, double availableBytes)
    : std::runtime_error(message), m_needed(neededBytes), m_available(availableBytes) {}

Placement mapModel(const core::ModelSpec& model, const ChipSpec& chip, const MapOptions& options) {
  if (options.sequences < 1) {
    throw std::invalid_argument("mapModel: sequences must be at least 1");
  }
  if (options.contextTokens < 1) {
    throw std::invalid_argument("mapModel: contextTokens must be at least 1");
  }
  if (options.reservedRows < 0 || options.reservedRows >= chip.fabricHeight) {
    throw std::invalid_argument(fmt::format("mapModel: reservedRows must be 0 .. {}, got {}",
                                            chip.fabricHeight - 1, options.reservedRows));
  }
  checkWorkBudget(estimateMappingWork(model, chip, options),
                  fmt::format("mapping {} on {}", model.name, chip.name));
  return Mapper(model, chip, options).run();
}

} // namespace ws::sim
