#include "app/gui/sram_chart_panel.h"

#include "app/gui/compact_chart.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QMap>
#include <QPen>
#include <QValueAxis>

#include <algorithm>

namespace ws::app {

namespace {
constexpr double kKiB = 1024.0;
} // namespace

SramChartPanel::SramChartPanel(QWidget* parent) : QWidget(parent) {
  m_chart = new QChart;
  m_xAxis = new QValueAxis;
  m_xAxis->setTitleText(tr("ms (simulated)"));
  m_yAxis = new QValueAxis;
  m_yAxis->setTitleText(tr("KiB per PE"));
  m_chart->addAxis(m_xAxis, Qt::AlignBottom);
  m_chart->addAxis(m_yAxis, Qt::AlignLeft);
  // Before the first mapping: an empty chart with round ticks.
  setTickedRange(m_xAxis, 0.0, 1.0);
  setTickedRange(m_yAxis, 0.0, 1.0);
  m_view = fillWithCompactChart(this, m_chart);
}

QLineSeries* SramChartPanel::addLine(const QString& name) {
  auto* line = new QLineSeries;
  line->setName(name);
  m_chart->addSeries(line);
  line->attachAxis(m_xAxis);
  line->attachAxis(m_yAxis);
  return line;
}

void SramChartPanel::reset(const QStringList& regionNames, const QStringList& groups,
                           double capacityBytesPerPe) {
  m_chart->removeAllSeries(); // deletes the series
  m_lines.clear();
  m_lineRegions.clear();
  m_history.clear();
  m_times.clear();
  m_highlightLine = nullptr;
  m_highlighted = -1;
  m_samples = 0;
  m_maxTime = 0.0;
  m_regionNames = regionNames;
  m_capacity = capacityBytesPerPe;

  if (regionNames.size() <= kMaxRegionLines) {
    for (int i = 0; i < regionNames.size(); ++i) {
      m_lines.push_back(addLine(regionNames[i]));
      m_lineRegions.push_back({i});
    }
  } else {
    QMap<QString, std::vector<int>> byGroup; // sorted, so colours are stable
    for (int i = 0; i < regionNames.size(); ++i) {
      byGroup[i < groups.size() ? groups[i] : QString()].push_back(i);
    }
    for (auto it = byGroup.cbegin(); it != byGroup.cend(); ++it) {
      m_lines.push_back(addLine(tr("%1 ×%2").arg(it.key()).arg(it.value().size())));
      m_lineRegions.push_back(it.value());
    }
  }
  if (m_capacity > 0) {
    auto* capacity = addLine(tr("capacity"));
    QPen pen(Qt::gray);
    pen.setStyle(Qt::DashLine);
    capacity->setPen(pen);
    // Two points, stretched to the current time on every sample.
    capacity->append(0.0, m_capacity / kKiB);
    capacity->append(0.0, m_capacity / kKiB);
    m_lines.push_back(capacity);
    m_lineRegions.push_back({});
  }
  setTickedRange(m_xAxis, 0.0, 1.0);
  setTickedRange(m_yAxis, 0.0, std::max(1.0, m_capacity / kKiB * 1.05));
}

double SramChartPanel::lineValue(int line, const std::vector<double>& bytesPerPe) const {
  const auto& regions = m_lineRegions[line];
  if (regions.empty()) {
    return m_capacity;
  }
  double sum = 0.0;
  for (int r : regions) {
    sum += r < int(bytesPerPe.size()) ? bytesPerPe[r] : 0.0;
  }
  return sum / double(regions.size());
}

void SramChartPanel::addSample(double simTime, const std::vector<double>& bytesPerPe) {
  const double ms = simTime * 1e3;
  for (int i = 0; i < int(m_lines.size()); ++i) {
    if (m_lineRegions[i].empty()) {
      m_lines[i]->replace(1, ms, m_capacity / kKiB);
    } else {
      m_lines[i]->append(ms, lineValue(i, bytesPerPe) / kKiB);
    }
  }
  if (m_highlightLine && m_highlighted < int(bytesPerPe.size())) {
    m_highlightLine->append(ms, bytesPerPe[m_highlighted] / kKiB);
  }
  m_history.emplace_back(bytesPerPe.begin(), bytesPerPe.end());
  m_times.push_back(ms);
  if (m_history.size() * std::max<size_t>(1, bytesPerPe.size()) > kMaxHistoryValues) {
    // Keep every other sample: the chart only needs the shape of the growth.
    size_t kept = 0;
    for (size_t i = 0; i < m_history.size(); i += 2, ++kept) {
      m_history[kept] = std::move(m_history[i]);
      m_times[kept] = m_times[i];
    }
    m_history.resize(kept);
    m_times.resize(kept);
  }
  ++m_samples;
  m_maxTime = std::max(m_maxTime, ms);
  double maxKiB = m_capacity / kKiB;
  for (double b : bytesPerPe) {
    maxKiB = std::max(maxKiB, b / kKiB);
  }
  setTickedRange(m_xAxis, 0.0, std::max(m_maxTime, 1e-3));
  setTickedRange(m_yAxis, 0.0, std::max(1.0, maxKiB * 1.05));
}

void SramChartPanel::highlightRegion(int region) {
  if (m_highlightLine) {
    m_chart->removeSeries(m_highlightLine);
    delete m_highlightLine;
    m_highlightLine = nullptr;
  }
  m_highlighted = (region >= 0 && region < m_regionNames.size()) ? region : -1;
  for (auto* line : m_lines) {
    QPen pen = line->pen();
    pen.setWidthF(m_highlighted >= 0 ? 1.0 : 2.0);
    line->setPen(pen);
  }
  if (m_highlighted < 0) {
    return;
  }
  m_highlightLine = addLine(tr("selected: %1").arg(m_regionNames[m_highlighted]));
  QPen pen(QColor(255, 64, 160));
  pen.setWidthF(3.5);
  m_highlightLine->setPen(pen);
  QList<QPointF> points;
  points.reserve(qsizetype(m_history.size()));
  for (size_t i = 0; i < m_history.size(); ++i) {
    if (m_highlighted < int(m_history[i].size())) {
      points.append(QPointF(m_times[i], m_history[i][m_highlighted] / kKiB));
    }
  }
  m_highlightLine->replace(points);
}

} // namespace ws::app
