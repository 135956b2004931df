#include "app/gui/sweep_panel.h"

#include "app/run/atomic_file.h"
#include "app/sweep/point_eval.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPushButton>
#include <QScatterSeries>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <map>
#include <set>

namespace ws::app {
namespace {

constexpr const char* kNoSeries = "(one series)";

// Columns that hold numbers to plot (the text columns are left out).
bool isPlottableMetric(const std::string& column) {
  return column != "point" && column != "bottleneck" && column != "gpu" && column != "error";
}

QAbstractAxis* makeAxis(const QString& title, double lo, double hi) {
  // Throughput spans orders of magnitude as users grow: a log axis then.
  if (lo > 0 && hi / lo > 100.0) {
    auto* axis = new QLogValueAxis;
    axis->setTitleText(title);
    axis->setBase(10.0);
    axis->setLabelFormat("%g");
    axis->setRange(lo / 1.2, hi * 1.2);
    return axis;
  }
  auto* axis = new QValueAxis;
  axis->setTitleText(title);
  const double pad = hi > lo ? (hi - lo) * 0.05 : std::max(std::abs(hi) * 0.05, 1.0);
  axis->setRange(lo - pad, hi + pad);
  axis->applyNiceNumbers();
  return axis;
}

} // namespace

SweepPanel::SweepPanel(QWidget* parent) : QWidget(parent) {
  auto* openButton = new QPushButton(tr("Open…"), this);
  openButton->setObjectName("sweepOpen");
  openButton->setToolTip(tr("Open a sweep's output folder (watched while it fills) or its "
                            "results.csv"));
  connect(openButton, &QPushButton::clicked, this, &SweepPanel::openRequested);
  m_metric = new QComboBox(this);
  m_metric->setObjectName("sweepMetric");
  m_xAxis = new QComboBox(this);
  m_xAxis->setObjectName("sweepXAxis");
  m_seriesAxis = new QComboBox(this);
  m_seriesAxis->setObjectName("sweepSeriesAxis");
  m_paretoView = new QCheckBox(tr("per user vs aggregate (Pareto)"), this);
  m_paretoView->setObjectName("sweepPareto");
  m_status = new QLabel(tr("Open a sweep (waferscope-cli sweep FILE --out DIR) to plot it."), this);
  m_status->setWordWrap(true);
  for (QComboBox* box : {m_metric, m_xAxis, m_seriesAxis}) {
    box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(box, &QComboBox::currentIndexChanged, this, [this] { replot(); });
  }
  connect(m_paretoView, &QCheckBox::toggled, this, [this] { replot(); });

  m_chart = new QChart;
  m_chart->legend()->setAlignment(Qt::AlignRight);
  m_view = new QChartView(m_chart, this);
  m_view->setRenderHint(QPainter::Antialiasing);

  auto* controls = new QHBoxLayout;
  controls->addWidget(openButton);
  controls->addWidget(new QLabel(tr("plot"), this));
  controls->addWidget(m_metric);
  controls->addWidget(new QLabel(tr("against"), this));
  controls->addWidget(m_xAxis);
  controls->addWidget(new QLabel(tr("per"), this));
  controls->addWidget(m_seriesAxis);
  controls->addWidget(m_paretoView);
  controls->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(m_status);
  layout->addWidget(m_view, 1);

  m_watchTimer = new QTimer(this);
  m_watchTimer->setInterval(1000);
  connect(m_watchTimer, &QTimer::timeout, this, &SweepPanel::refresh);
}

bool SweepPanel::open(const QString& path, QString* error) {
  try {
    m_table = sweep::loadResults(path.toStdString());
  } catch (const std::exception& e) {
    if (error != nullptr) {
      *error = QString::fromStdString(e.what());
    }
    return false;
  }
  m_path = path;
  m_watching = QFileInfo(path).isDir();
  fillChoices();
  reload();
  return true;
}

void SweepPanel::refresh() {
  if (m_watching) {
    reload();
  }
}

void SweepPanel::reload() {
  if (m_watching) {
    const size_t before = m_table.rows.size();
    try {
      m_table = sweep::loadResults(m_path.toStdString());
    } catch (const std::exception& e) {
      m_status->setText(QString::fromStdString(e.what()));
      return;
    }
    if (m_table.rows.size() == before && m_chart->series().size() > 0) {
      return;
    }
  }
  const bool done = m_table.rows.size() >= m_table.totalPoints;
  if (done) {
    m_watchTimer->stop();
  } else if (m_watching && !m_watchTimer->isActive()) {
    m_watchTimer->start();
  }
  m_status->setText(
      done ? tr("%1: %2 points").arg(QDir::toNativeSeparators(m_path)).arg(m_table.rows.size())
           : tr("%1: %2 of %3 points so far (watching)")
                 .arg(QDir::toNativeSeparators(m_path))
                 .arg(m_table.rows.size())
                 .arg(m_table.totalPoints));
  replot();
}

void SweepPanel::fillChoices() {
  const QSignalBlocker blockMetric(m_metric);
  const QSignalBlocker blockX(m_xAxis);
  const QSignalBlocker blockSeries(m_seriesAxis);
  m_metric->clear();
  m_xAxis->clear();
  m_seriesAxis->clear();
  m_seriesAxis->addItem(tr(kNoSeries), QString());
  std::set<std::string> axes(m_table.axisFields.begin(), m_table.axisFields.end());
  for (const std::string& column : m_table.header) {
    if (axes.count(column) == 0 && isPlottableMetric(column)) {
      m_metric->addItem(QString::fromStdString(column), QString::fromStdString(column));
    }
  }
  for (const std::string& axis : m_table.axisFields) {
    m_xAxis->addItem(QString::fromStdString(axis), QString::fromStdString(axis));
    m_seriesAxis->addItem(QString::fromStdString(axis), QString::fromStdString(axis));
  }
  m_metric->setCurrentIndex(std::max(0, m_metric->findData("tokens_per_s")));
  if (m_table.axisFields.size() > 1) {
    m_seriesAxis->setCurrentIndex(2);
  }
}

void SweepPanel::setPlot(const QString& metric, const QString& xAxis, const QString& seriesAxis) {
  const QSignalBlocker blockMetric(m_metric);
  const QSignalBlocker blockX(m_xAxis);
  const QSignalBlocker blockSeries(m_seriesAxis);
  m_metric->setCurrentIndex(m_metric->findData(metric));
  m_xAxis->setCurrentIndex(m_xAxis->findData(xAxis));
  m_seriesAxis->setCurrentIndex(std::max(0, m_seriesAxis->findData(seriesAxis)));
  replot();
}

void SweepPanel::setParetoView(bool on) {
  m_paretoView->setChecked(on);
}

double SweepPanel::xValue(size_t row, int column) const {
  if (const auto v = m_table.number(row, column)) {
    return *v;
  }
  // Text (a model, a chip): its place among the column's distinct values.
  std::vector<std::string> seen;
  for (const auto& r : m_table.rows) {
    if (std::find(seen.begin(), seen.end(), r[size_t(column)]) == seen.end()) {
      seen.push_back(r[size_t(column)]);
    }
  }
  return double(std::find(seen.begin(), seen.end(), m_table.rows[row][size_t(column)]) -
                seen.begin());
}

void SweepPanel::replot() {
  m_chart->removeAllSeries();
  for (QAbstractAxis* axis : m_chart->axes()) {
    m_chart->removeAxis(axis);
    delete axis;
  }
  // The front is always computed: the Pareto view draws it, tests read it.
  m_pareto.clear();
  const int aggregate = m_table.column("tokens_per_s");
  const int perUser = m_table.column("tokens_per_s_per_user");
  std::vector<std::pair<double, double>> points;
  std::vector<int> rowsOfPoints;
  for (size_t r = 0; r < m_table.rows.size(); ++r) {
    const auto x = m_table.number(r, aggregate);
    const auto y = m_table.number(r, perUser);
    if (x && y) {
      points.emplace_back(*x, *y);
      rowsOfPoints.push_back(int(r));
    }
  }
  for (size_t i : sweep::paretoFront(points)) {
    m_pareto.push_back(rowsOfPoints[i]);
  }
  if (m_table.rows.empty()) {
    return;
  }
  if (m_paretoView->isChecked()) {
    plotPareto();
  } else {
    plotMetric();
  }
}

void SweepPanel::plotMetric() {
  const QString metric = m_metric->currentData().toString();
  const QString xName = m_xAxis->currentData().toString();
  const QString seriesName = m_seriesAxis->currentData().toString();
  const int y = m_table.column(metric.toStdString());
  const int x = m_table.column(xName.toStdString());
  const int s = seriesName.isEmpty() ? -1 : m_table.column(seriesName.toStdString());
  if (x < 0 || y < 0) {
    return;
  }
  // Rows by series value, in the order the values first appear.
  std::vector<std::string> order;
  std::map<std::string, std::vector<int>> groups;
  for (size_t r = 0; r < m_table.rows.size(); ++r) {
    if (!m_table.number(r, y)) {
      continue; // a point with an error has no value
    }
    const std::string key = s < 0 ? std::string() : m_table.rows[r][size_t(s)];
    if (groups.count(key) == 0) {
      order.push_back(key);
    }
    groups[key].push_back(int(r));
  }
  double xlo = 1e300, xhi = -1e300, ylo = 1e300, yhi = -1e300;
  std::vector<QXYSeries*> added;
  for (const std::string& key : order) {
    std::vector<int>& rows = groups[key];
    std::sort(rows.begin(), rows.end(),
              [&](int a, int b) { return xValue(size_t(a), x) < xValue(size_t(b), x); });
    const QString name =
        s < 0 ? metric : QString("%1 = %2").arg(seriesName, QString::fromStdString(key));
    auto* dots = new QScatterSeries;
    dots->setName(name);
    dots->setMarkerSize(7.0);
    // A line only when each x has one value in the series (no other axis varies).
    std::set<double> xs;
    for (int r : rows) {
      const double vx = xValue(size_t(r), x);
      const double vy = *m_table.number(size_t(r), y);
      xs.insert(vx);
      dots->append(vx, vy);
      xlo = std::min(xlo, vx);
      xhi = std::max(xhi, vx);
      ylo = std::min(ylo, vy);
      yhi = std::max(yhi, vy);
    }
    m_chart->addSeries(dots);
    added.push_back(dots);
    if (xs.size() == rows.size() && rows.size() > 1) {
      auto* line = new QLineSeries;
      line->setPen(QPen(dots->color(), 1.5));
      line->append(dots->points());
      m_chart->addSeries(line);
      added.push_back(line);
      m_chart->legend()->markers(line).front()->setVisible(false);
    }
    connect(dots, &QScatterSeries::clicked, this, [this, rows, x, y](const QPointF& p) {
      for (int r : rows) {
        if (xValue(size_t(r), x) == p.x() && *m_table.number(size_t(r), y) == p.y()) {
          activateRow(r);
          return;
        }
      }
    });
  }
  if (added.empty()) {
    return;
  }
  QAbstractAxis* xAxis = makeAxis(xName, xlo, xhi);
  QAbstractAxis* yAxis = makeAxis(metric, ylo, yhi);
  m_chart->addAxis(xAxis, Qt::AlignBottom);
  m_chart->addAxis(yAxis, Qt::AlignLeft);
  for (QXYSeries* series : added) {
    series->attachAxis(xAxis);
    series->attachAxis(yAxis);
  }
  m_chart->legend()->setVisible(s >= 0);
}

void SweepPanel::plotPareto() {
  const int x = m_table.column("tokens_per_s");
  const int y = m_table.column("tokens_per_s_per_user");
  auto* all = new QScatterSeries;
  all->setName(tr("points"));
  all->setMarkerSize(6.0);
  auto* front = new QLineSeries;
  front->setName(tr("Pareto front"));
  front->setPen(QPen(QColor(220, 60, 40), 2.0));
  auto* frontDots = new QScatterSeries;
  frontDots->setColor(QColor(220, 60, 40));
  frontDots->setMarkerSize(9.0);
  std::vector<int> rows;
  double xlo = 1e300, xhi = -1e300, ylo = 1e300, yhi = -1e300;
  for (size_t r = 0; r < m_table.rows.size(); ++r) {
    const auto vx = m_table.number(r, x);
    const auto vy = m_table.number(r, y);
    if (!vx || !vy) {
      continue;
    }
    all->append(*vx, *vy);
    rows.push_back(int(r));
    xlo = std::min(xlo, *vx);
    xhi = std::max(xhi, *vx);
    ylo = std::min(ylo, *vy);
    yhi = std::max(yhi, *vy);
  }
  if (rows.empty()) {
    delete all;
    delete front;
    delete frontDots;
    return;
  }
  for (int r : m_pareto) {
    front->append(*m_table.number(size_t(r), x), *m_table.number(size_t(r), y));
  }
  frontDots->append(front->points());
  auto click = [this, x, y](const QPointF& p) {
    for (size_t r = 0; r < m_table.rows.size(); ++r) {
      if (m_table.number(r, x) == p.x() && m_table.number(r, y) == p.y()) {
        activateRow(int(r));
        return;
      }
    }
  };
  connect(all, &QScatterSeries::clicked, this, click);
  connect(frontDots, &QScatterSeries::clicked, this, click);
  m_chart->addSeries(all);
  m_chart->addSeries(front);
  m_chart->addSeries(frontDots);
  m_chart->legend()->markers(frontDots).front()->setVisible(false);
  QAbstractAxis* xAxis = makeAxis(tr("aggregate tokens/s"), xlo, xhi);
  QAbstractAxis* yAxis = makeAxis(tr("tokens/s per user"), ylo, yhi);
  m_chart->addAxis(xAxis, Qt::AlignBottom);
  m_chart->addAxis(yAxis, Qt::AlignLeft);
  for (QXYSeries* series : std::initializer_list<QXYSeries*>{all, front, frontDots}) {
    series->attachAxis(xAxis);
    series->attachAxis(yAxis);
  }
  m_chart->legend()->setVisible(true);
}

void SweepPanel::activateRow(int row) {
  if (row < 0 || size_t(row) >= m_table.rows.size()) {
    return;
  }
  if (!m_table.spec) {
    m_status->setText(tr("This table has no sweep.json beside it: a point cannot be opened."));
    return;
  }
  const uint64_t point = std::stoull(m_table.rows[size_t(row)][0]);
  const sweep::PointConfig config = m_table.spec->pointConfig(point);
  SweepPointRun run;
  run.point = point;
  run.model = QString::fromStdString(config.model);
  run.genTokens = int(config.genTokens);
  try {
    sweep::Json chip = sweep::Json::parse(sweep::chipJsonForPoint(config, m_table.spec->file()));
    chip["name"] = chip["name"].get<std::string>() + " (sweep point " + std::to_string(point) + ")";
    const QString file =
        QDir::temp().filePath(QString("waferscope-sweep-point-%1-chip.json").arg(point));
    writeTextAtomically(file.toStdString(), chip.dump(2) + "\n");
    run.chipFile = file;
  } catch (const std::exception& e) {
    m_status->setText(
        tr("Point %1 cannot be opened: %2").arg(point).arg(QString::fromStdString(e.what())));
    return;
  }
  QStringList unapplied;
  if (config.users != 1) {
    unapplied << tr("%1 users").arg(config.users);
  }
  if (config.weightBits != 0.0) {
    unapplied << tr("%1-bit weights").arg(config.weightBits);
  }
  if (config.context != 0) {
    unapplied << tr("context %1").arg(config.context);
  }
  if (config.engine != "fast") {
    unapplied << tr("the %1 engine").arg(QString::fromStdString(config.engine));
  }
  run.note = tr("Sweep point %1").arg(point);
  if (!unapplied.isEmpty()) {
    run.note += tr(" (the workbench runs one user at the model's precision; not applied: %1)")
                    .arg(unapplied.join(", "));
  }
  emit runPointRequested(run);
}

} // namespace ws::app
