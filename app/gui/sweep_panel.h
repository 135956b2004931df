#pragma once
// The results of a design-space sweep (waferscope-cli sweep) as plots: any
// metric against any axis, one series per value of a second axis, or per-user
// tokens/s against aggregate tokens/s with the Pareto front marked. Opens a
// finished table (results.csv) or a sweep's output folder, which it watches
// while the sweep fills it. Clicking a point asks the workbench to open it as
// a normal run. The table logic lives in app/sweep (Qt-free).
#include "app/sweep/result_table.h"

#include <QString>
#include <QVector>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QTimer;
QT_END_NAMESPACE

namespace ws::app {

// What the workbench needs to run one point: its model, its chip (a JSON file
// written with the point's chip fields) and the tokens to generate.
struct SweepPointRun {
  uint64_t point = 0;
  QString model;
  QString chipFile;
  int genTokens = 0;
  QString note; // what the workbench cannot reproduce (users, context, precision)
};

class SweepPanel : public QWidget {
  Q_OBJECT
public:
  explicit SweepPanel(QWidget* parent = nullptr);

  // A sweep output folder (watched) or a results CSV; false with a one-line
  // message in `error` when it cannot be read.
  bool open(const QString& path, QString* error = nullptr);
  // Re-reads a watched folder now (the timer does it every second).
  void refresh();
  // Plot choices by column name; an empty series axis draws one series.
  void setPlot(const QString& metric, const QString& xAxis, const QString& seriesAxis);
  void setParetoView(bool on);

  const sweep::ResultTable& table() const { return m_table; }
  QChart* chart() const { return m_chart; }
  // Rows (indices into table().rows) on the Pareto front of per-user against
  // aggregate tokens/s.
  const QVector<int>& paretoRows() const { return m_pareto; }
  // What clicking the point of table row `row` does.
  void activateRow(int row);

signals:
  void openRequested();
  void runPointRequested(const ws::app::SweepPointRun& run);

private:
  void reload();
  void fillChoices();
  void replot();
  void plotMetric();
  void plotPareto();
  // x of a cell: its number, or the index of its text among the column's values.
  double xValue(size_t row, int column) const;

  sweep::ResultTable m_table;
  QString m_path;
  bool m_watching = false;
  QComboBox* m_metric = nullptr;
  QComboBox* m_xAxis = nullptr;
  QComboBox* m_seriesAxis = nullptr;
  QCheckBox* m_paretoView = nullptr;
  QLabel* m_status = nullptr;
  QChart* m_chart = nullptr;
  QChartView* m_view = nullptr;
  QTimer* m_watchTimer = nullptr;
  QVector<int> m_pareto;
};

} // namespace ws::app
