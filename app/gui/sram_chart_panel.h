#pragma once
// SRAM occupancy per region over the run, so KV-cache growth is visible:
// bytes per PE (KiB) against simulated time. Small mappings get one line per
// region; large ones (hundreds of layers or experts) one line per group of
// regions (their mean), which keeps the chart readable and cheap. The selected
// region always gets its own bold line.
#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace ws::app {

class SramChartPanel : public QWidget {
  Q_OBJECT
public:
  explicit SramChartPanel(QWidget* parent = nullptr);

  // Regions with at most this many get a line each.
  static constexpr int kMaxRegionLines = 16;
  static constexpr size_t kMaxHistoryValues = size_t(1) << 22;

  // Starts a new run. `groups` names each region's group ("attention",
  // "ffn", ...), same order as `regionNames`; capacity is bytes per PE.
  void reset(const QStringList& regionNames, const QStringList& groups, double capacityBytesPerPe);
  // One sample: bytes per PE of each region (same order as reset) at `simTime` seconds.
  void addSample(double simTime, const std::vector<double>& bytesPerPe);
  // -1 clears the highlight.
  void highlightRegion(int region);

  int sampleCount() const { return m_samples; }
  int lineCount() const { return int(m_lines.size()); }

private:
  QLineSeries* addLine(const QString& name);
  // Bytes per PE drawn by line `i` for one sample.
  double lineValue(int line, const std::vector<double>& bytesPerPe) const;

  QChart* m_chart = nullptr;
  QChartView* m_view = nullptr;
  QValueAxis* m_xAxis = nullptr;
  QValueAxis* m_yAxis = nullptr;
  std::vector<QLineSeries*> m_lines;
  std::vector<std::vector<int>> m_lineRegions; // regions averaged by each line
  QStringList m_regionNames;
  QLineSeries* m_highlightLine = nullptr;
  // Per sample, bytes per PE of each region (float: a wafer has thousands of
  // regions); decimated by two when it outgrows kMaxHistoryValues.
  std::vector<std::vector<float>> m_history;
  std::vector<double> m_times;
  int m_highlighted = -1;
  int m_samples = 0;
  double m_maxTime = 0.0;
  double m_capacity = 0.0;
};

} // namespace ws::app
