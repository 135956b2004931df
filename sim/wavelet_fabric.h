#pragma once
// The detailed engine's mesh: a router per PE with mesh ports North, East,
// South, West and the two directions of the ramp to its own core (Down: router
// to core, Up: core to router). Every port is a queue that moves one 32-bit
// wavelet per `linkBytesPerCycle / 4` cycles; a wavelet sent on a mesh port
// reaches the next router `hopCycles` later. The ramp's latency (router to
// core and back) is added by the PE programs (sim/pe_program.cpp), which know
// when a wavelet enters or leaves a core. Wavelets of one
// colour leave a port in arrival order; colours (virtual channels) share a
// port round-robin, one wavelet at a time. Router buffers are unbounded (no
// back-pressure), which changes nothing where consumers keep up.
#include "sim/event_queue.h"

#include <cstdint>
#include <vector>

namespace ws::sim {

enum class Direction : uint8_t { North, East, South, West };

// How a flow's wavelets leave the route.
enum class FlowMode : uint8_t {
  Unicast,   // only the last PE of the route receives them
  Multicast, // every PE after the source receives a copy and the router forwards it
  Chain,     // every PE after the source receives them; the router does not
             // forward: the core re-injects each wavelet (a reduction chain)
};

// A route of up to three straight legs from PE (x, y): `firstHops` hops
// towards `first`, then `secondHops` towards `second`, then `thirdHops`
// towards `third` (x-y routing uses two; a staircase of parallel lanes, three).
struct FlowRoute {
  int x = 0;
  int y = 0;
  Direction first = Direction::East;
  int firstHops = 0;
  Direction second = Direction::South;
  int secondHops = 0;
  Direction third = Direction::East;
  int thirdHops = 0;
  FlowMode mode = FlowMode::Unicast;
  int color = 0;
  int hops() const { return firstHops + secondHops + thirdHops; }
};

// Receives wavelets at the cores.
class WaveletSink {
public:
  virtual ~WaveletSink() = default;
  // Wavelet `wavelet` of `flow` reached the core of the PE `hop` hops along
  // the route at `cycle`.
  virtual void onWaveletDelivered(int flow, int wavelet, int hop, double cycle) = 0;
};

class WaveletFabric {
public:
  // Event kinds the fabric pushes on the queue; owners use kinds from kEventKinds on.
  static constexpr uint32_t kArrive = 0;
  static constexpr uint32_t kPortFree = 1;
  static constexpr uint32_t kInject = 2;
  static constexpr uint32_t kEventKinds = 3;

  // Throws std::invalid_argument for a non-positive size, link width, a
  // negative hop latency or a colour count outside 1..64.
  WaveletFabric(int width, int height, int colors, double linkBytesPerCycle, double hopCycles,
                EventQueue& queue, WaveletSink& sink);

  int width() const { return m_width; }
  int height() const { return m_height; }
  int colors() const { return m_colors; }
  double waveletCycles() const { return m_waveletCycles; }
  double hopCycles() const { return m_hopCycles; }

  // Adds a flow; throws std::invalid_argument when the route leaves the mesh
  // or the colour is out of range. Ids count from 0 until reset().
  int addFlow(const FlowRoute& route);
  const FlowRoute& route(int flow) const { return m_flows[size_t(flow)]; }
  // Row-major index of the PE `hop` hops along the flow's route.
  int peAt(int flow, int hop) const;

  // The core of the PE `hop` hops along the route hands wavelets
  // [first, first + count) to its router at `cycle` (not before now()).
  void inject(int flow, int firstWavelet, int count, int hop, double cycle);
  // Handles an event of a fabric kind (< kEventKinds).
  void handle(const DesEvent& event);
  // The owner's clock: the time of the event being handled.
  void setNow(double cycle) { m_now = cycle; }
  double now() const { return m_now; }

  // Forgets all flows; the queues must have drained.
  void reset();
  // Wavelets sent over mesh links since construction.
  uint64_t meshWavelets() const { return m_meshWavelets; }

private:
  enum Port : int { PortNorth, PortEast, PortSouth, PortWest, PortDown, PortUp, kPorts };
  struct PortState {
    double busyUntil = 0.0;
    uint64_t colorMask = 0; // colours with queued wavelets
    int lastColor = -1;
    bool wakeScheduled = false;
  };
  struct Pending {
    int32_t flow;
    int32_t wavelet;
    int32_t hop;
    int32_t next;
  };

  void route(int flow, int wavelet, int hop, bool fromCore);
  void enqueue(int port, int flow, int wavelet, int hop);
  void transmit(int port, int flow, int wavelet, int hop);
  void wake(int port);

  int m_width;
  int m_height;
  int m_colors;
  double m_waveletCycles;
  double m_hopCycles;
  EventQueue& m_queue;
  WaveletSink& m_sink;
  double m_now = 0.0;
  std::vector<FlowRoute> m_flows;
  std::vector<PortState> m_ports;
  std::vector<int32_t> m_head; // per (port, colour): first pending node, -1 when empty
  std::vector<int32_t> m_tail;
  std::vector<Pending> m_nodes;
  int32_t m_freeNode = -1;
  uint64_t m_meshWavelets = 0;
};

} // namespace ws::sim
