#include "sim/trace_writer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace ws::sim {

TraceWriter::TraceWriter(const Placement& placement, const std::string& path, TraceOptions options)
    : m_placement(placement), m_options(options), m_path(path),
      m_pending(placement.regions().size()), m_pendingToken(placement.regions().size(), -1),
      m_busyPeCycles(0.0) {
  m_file = std::fopen(path.c_str(), "wb");
  if (m_file == nullptr) {
    throw std::runtime_error(path + ": cannot be opened for writing");
  }
  const char* head = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  std::fputs(head, m_file);
  m_bytes += std::char_traits<char>::length(head);
  writeMetadata();
}

TraceWriter::~TraceWriter() {
  finish();
}

double TraceWriter::micros(double cycles) const {
  return cycles / m_placement.chip().clockHz * 1e6;
}

// ,"compute_us":..,"memory_us":.. for every mechanism of the breakdown.
std::string TraceWriter::breakdownArgs(const TimeBreakdown& cycles) const {
  std::string args;
  for (int c = 0; c < TimeBreakdown::kCategories; ++c) {
    args += fmt::format(R"(,"{}_us":{:.4f})", TimeBreakdown::categoryName(c),
                        micros(cycles.category(c)));
  }
  return args;
}

void TraceWriter::writeEvent(const std::string& json) {
  if (m_file == nullptr) {
    return;
  }
  if (m_events > 0) {
    std::fputs(",\n", m_file);
    m_bytes += 2;
  }
  std::fputs(json.c_str(), m_file);
  m_bytes += json.size();
  ++m_events;
}

int TraceWriter::tokensPid() const {
  return m_placement.wafers();
}

void TraceWriter::writeMetadata() {
  using nlohmann::json;
  for (int w = 0; w < m_placement.wafers(); ++w) {
    writeEvent(fmt::format(R"({{"name":"process_name","ph":"M","pid":{},"args":{{"name":{}}}}})", w,
                           json(fmt::format("wafer {} ({})", w, m_placement.chip().name)).dump()));
    writeEvent(fmt::format(
        R"({{"name":"process_sort_index","ph":"M","pid":{},"args":{{"sort_index":{}}}}})", w,
        w + 1));
  }
  writeEvent(fmt::format(
      R"({{"name":"process_name","ph":"M","pid":{},"args":{{"name":"tokens"}}}})", tokensPid()));
  writeEvent(
      fmt::format(R"({{"name":"process_sort_index","ph":"M","pid":{},"args":{{"sort_index":0}}}})",
                  tokensPid()));
  for (const Region& r : m_placement.regions()) {
    writeEvent(
        fmt::format(R"({{"name":"thread_name","ph":"M","pid":{},"tid":{},"args":{{"name":{}}}}})",
                    r.wafer, r.id + 1, json(r.name).dump()));
    writeEvent(fmt::format(
        R"({{"name":"thread_sort_index","ph":"M","pid":{},"tid":{},"args":{{"sort_index":{}}}}})",
        r.wafer, r.id + 1, r.id + 1));
  }
}

void TraceWriter::onOp(const OpEvent& event) {
  const Region& region = m_placement.regions()[size_t(event.region)];
  m_busyPeCycles += (event.endCycle - event.startCycle) * double(region.rect.area());
  const bool detailed = event.prefill || event.token <= m_options.detailedTokens;
  if (detailed) {
    const Op& op = region.ops[size_t(event.op)];
    writeEvent(fmt::format(
        R"({{"name":"{}","cat":"{}","ph":"X","pid":{},"tid":{},"ts":{:.4f},"dur":{:.4f},"args":{{"token":{},"sequence":{}{}}}}})",
        op.name, toString(op.kind), region.wafer, region.id + 1, micros(event.startCycle),
        micros(event.endCycle - event.startCycle), event.token, event.sequence,
        breakdownArgs(event.cycles)));
    return;
  }
  Pending& p = m_pending[size_t(event.region)];
  if (p.ops == 0) {
    p.start = event.startCycle;
  }
  p.end = event.endCycle;
  p.ops += 1;
  p.cycles += event.cycles;
  m_pendingToken[size_t(event.region)] = event.token;
  m_pendingSequence = event.sequence;
}

void TraceWriter::flushPending() {
  for (size_t i = 0; i < m_pending.size(); ++i) {
    Pending& p = m_pending[i];
    if (p.ops == 0) {
      continue;
    }
    const Region& region = m_placement.regions()[i];
    writeEvent(fmt::format(
        R"({{"name":"token {}","cat":"aggregate","ph":"X","pid":{},"tid":{},"ts":{:.4f},"dur":{:.4f},"args":{{"ops":{},"sequence":{}{}}}}})",
        m_pendingToken[i], region.wafer, region.id + 1, micros(p.start), micros(p.end - p.start),
        p.ops, m_pendingSequence, breakdownArgs(p.cycles)));
    p = Pending{};
  }
}

void TraceWriter::onToken(const TokenTiming& timing) {
  flushPending();
  const double start = timing.simStart * 1e6;
  const double dur = (timing.simEnd - timing.simStart) * 1e6;
  writeEvent(fmt::format(
      R"({{"name":"{}","cat":"token","ph":"X","pid":{},"tid":{},"ts":{:.4f},"dur":{:.4f},"args":{{"index":{},"tokens":{},"context":{},"critical_region":{}}}}})",
      timing.prefill ? "prefill" : "decode", tokensPid(), timing.sequence + 1, start, dur,
      timing.index, timing.tokens, timing.contextLength, timing.criticalRegion));
  const double spanCycles = (timing.simEnd - timing.simStart) * m_placement.chip().clockHz;
  const double used = double(m_placement.usedPes());
  const double utilisation =
      spanCycles > 0 && used > 0 ? m_busyPeCycles / (spanCycles * used) : 0.0;
  const double rate = timing.prefill || dur <= 0 ? 0.0 : 1e6 / dur;
  writeEvent(fmt::format(
      R"({{"name":"PE utilisation","ph":"C","pid":{},"ts":{:.4f},"args":{{"busy":{:.5f}}}}})",
      tokensPid(), start, std::min(1.0, utilisation)));
  if (!timing.prefill) {
    writeEvent(fmt::format(
        R"({{"name":"tokens per second","ph":"C","pid":{},"ts":{:.4f},"args":{{"tok/s":{:.2f}}}}})",
        tokensPid(), timing.simEnd * 1e6, rate));
  }
  m_busyPeCycles = 0.0;
}

void TraceWriter::finish() {
  if (m_file == nullptr) {
    return;
  }
  flushPending();
  std::fputs("\n]}\n", m_file);
  m_bytes += 4;
  const bool failed = std::ferror(m_file) != 0;
  std::fclose(m_file);
  m_file = nullptr;
  if (failed) {
    throw std::runtime_error(m_path + ": write failed");
  }
}

} // namespace ws::sim
