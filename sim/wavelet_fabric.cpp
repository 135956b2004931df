#include "sim/wavelet_fabric.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace ws::sim {
namespace {

constexpr double kWaveletBytes = 4.0; // 32-bit payload

int dx(Direction d) {
  return d == Direction::East ? 1 : d == Direction::West ? -1 : 0;
}
int dy(Direction d) {
  return d == Direction::South ? 1 : d == Direction::North ? -1 : 0;
}

} // namespace

WaveletFabric::WaveletFabric(int width, int height, int colors, double linkBytesPerCycle,
                             double hopCycles, EventQueue& queue, WaveletSink& sink)
    : m_width(width), m_height(height), m_colors(colors),
      m_waveletCycles(linkBytesPerCycle > 0.0 ? kWaveletBytes / linkBytesPerCycle : 0.0),
      m_hopCycles(hopCycles), m_queue(queue), m_sink(sink) {
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument(
        fmt::format("wavelet fabric: size {} x {} must be positive", width, height));
  }
  if (!(linkBytesPerCycle > 0.0)) {
    throw std::invalid_argument("wavelet fabric: link width must be positive");
  }
  if (!(hopCycles >= 0.0)) {
    throw std::invalid_argument("wavelet fabric: hop latency must not be negative");
  }
  if (colors < 1 || colors > 64) {
    throw std::invalid_argument(
        fmt::format("wavelet fabric: {} colours, the engine handles 1 to 64", colors));
  }
  const size_t ports = size_t(width) * size_t(height) * kPorts;
  m_ports.resize(ports);
  m_head.assign(ports * size_t(colors), -1);
  m_tail.assign(ports * size_t(colors), -1);
}

int WaveletFabric::addFlow(const FlowRoute& r) {
  const auto inside = [this](int x, int y) {
    return x >= 0 && y >= 0 && x < m_width && y < m_height;
  };
  const int legs[3][3] = {{int(r.first), r.firstHops, 0},
                          {int(r.second), r.secondHops, 0},
                          {int(r.third), r.thirdHops, 0}};
  int x = r.x;
  int y = r.y;
  bool valid = inside(x, y);
  for (const auto& leg : legs) {
    valid = valid && leg[1] >= 0;
    x += dx(Direction(leg[0])) * leg[1];
    y += dy(Direction(leg[0])) * leg[1];
    valid = valid && inside(x, y);
  }
  if (!valid) {
    throw std::invalid_argument(
        fmt::format("wavelet fabric: route from ({}, {}) to ({}, {}) leaves the {} x {} mesh", r.x,
                    r.y, x, y, m_width, m_height));
  }
  if (r.color < 0 || r.color >= m_colors) {
    throw std::invalid_argument(
        fmt::format("wavelet fabric: colour {} out of range (0..{})", r.color, m_colors - 1));
  }
  m_flows.push_back(r);
  return int(m_flows.size() - 1);
}

int WaveletFabric::peAt(int flow, int hop) const {
  const FlowRoute& r = m_flows[size_t(flow)];
  const int first = std::min(hop, r.firstHops);
  const int second = std::min(hop - first, r.secondHops);
  const int third = hop - first - second;
  const int x = r.x + dx(r.first) * first + dx(r.second) * second + dx(r.third) * third;
  const int y = r.y + dy(r.first) * first + dy(r.second) * second + dy(r.third) * third;
  return y * m_width + x;
}

void WaveletFabric::inject(int flow, int firstWavelet, int count, int hop, double cycle) {
  if (cycle > m_now) {
    m_queue.push(cycle, kInject, flow, firstWavelet, count, hop);
    return;
  }
  const int port = peAt(flow, hop) * kPorts + PortUp;
  for (int i = 0; i < count; ++i) {
    enqueue(port, flow, firstWavelet + i, hop);
  }
}

void WaveletFabric::handle(const DesEvent& e) {
  switch (e.kind) {
  case kArrive:
    route(e.a, e.b, e.c, false);
    break;
  case kPortFree:
    wake(e.a);
    break;
  case kInject:
    inject(e.a, e.b, e.c, e.d, e.time);
    break;
  default:
    throw std::logic_error("wavelet fabric: not a fabric event");
  }
}

void WaveletFabric::route(int flow, int wavelet, int hop, bool fromCore) {
  // A copy: delivering may let the sink add flows, which moves m_flows.
  const FlowRoute r = m_flows[size_t(flow)];
  const int last = r.hops();
  const int pe = peAt(flow, hop);
  const bool deliver = r.mode == FlowMode::Unicast ? hop == last : !fromCore;
  if (deliver) {
    enqueue(pe * kPorts + PortDown, flow, wavelet, hop);
  }
  if (hop < last && (fromCore || r.mode != FlowMode::Chain)) {
    const Direction d = hop < r.firstHops                  ? r.first
                        : hop < r.firstHops + r.secondHops ? r.second
                                                           : r.third;
    enqueue(pe * kPorts + int(d), flow, wavelet, hop);
  }
}

void WaveletFabric::enqueue(int port, int flow, int wavelet, int hop) {
  PortState& p = m_ports[size_t(port)];
  if (p.colorMask == 0 && p.busyUntil <= m_now) {
    transmit(port, flow, wavelet, hop);
    return;
  }
  int32_t node = m_freeNode;
  if (node >= 0) {
    m_freeNode = m_nodes[size_t(node)].next;
    m_nodes[size_t(node)] = {flow, wavelet, hop, -1};
  } else {
    node = int32_t(m_nodes.size());
    m_nodes.push_back({flow, wavelet, hop, -1});
  }
  const int color = m_flows[size_t(flow)].color;
  const size_t lane = size_t(port) * size_t(m_colors) + size_t(color);
  if (m_tail[lane] >= 0) {
    m_nodes[size_t(m_tail[lane])].next = node;
  } else {
    m_head[lane] = node;
  }
  m_tail[lane] = node;
  p.colorMask |= uint64_t(1) << color;
  if (!p.wakeScheduled) {
    p.wakeScheduled = true;
    m_queue.push(p.busyUntil > m_now ? p.busyUntil : m_now, kPortFree, port);
  }
}

void WaveletFabric::transmit(int port, int flow, int wavelet, int hop) {
  PortState& p = m_ports[size_t(port)];
  p.busyUntil = m_now + m_waveletCycles;
  p.lastColor = m_flows[size_t(flow)].color;
  const int kind = port % kPorts;
  if (kind == PortDown) {
    m_sink.onWaveletDelivered(flow, wavelet, hop, m_now);
  } else if (kind == PortUp) {
    route(flow, wavelet, hop, true);
  } else {
    ++m_meshWavelets;
    m_queue.push(m_now + m_hopCycles, kArrive, flow, wavelet, hop + 1);
  }
}

void WaveletFabric::wake(int port) {
  PortState& p = m_ports[size_t(port)];
  p.wakeScheduled = false;
  if (p.colorMask == 0) {
    return;
  }
  if (p.busyUntil > m_now) {
    p.wakeScheduled = true;
    m_queue.push(p.busyUntil, kPortFree, port);
    return;
  }
  // Round-robin: the first colour with queued wavelets after the last one sent.
  const int start = (p.lastColor + 1) % m_colors;
  const uint64_t all = m_colors == 64 ? ~uint64_t(0) : (uint64_t(1) << m_colors) - 1;
  const uint64_t rotated =
      ((p.colorMask >> start) | (p.colorMask << ((m_colors - start) % 64))) & all;
  const int color = (start + std::countr_zero(start == 0 ? p.colorMask : rotated)) % m_colors;
  const size_t lane = size_t(port) * size_t(m_colors) + size_t(color);
  const int32_t node = m_head[lane];
  const Pending w = m_nodes[size_t(node)];
  m_head[lane] = w.next;
  if (w.next < 0) {
    m_tail[lane] = -1;
    p.colorMask &= ~(uint64_t(1) << color);
  }
  m_nodes[size_t(node)].next = m_freeNode;
  m_freeNode = node;
  transmit(port, w.flow, w.wavelet, w.hop);
  if (p.colorMask != 0) {
    p.wakeScheduled = true;
    m_queue.push(p.busyUntil, kPortFree, port);
  }
}

void WaveletFabric::reset() {
  m_flows.clear();
  for (PortState& p : m_ports) {
    p = PortState{};
  }
}

} // namespace ws::sim
