#pragma once
// This chip against the GPU baseline for the same model: tokens/s, speedup,
// time to first token and energy per token, each with where it comes from.
#include <QString>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QTableWidget;
class QLabel;
QT_END_NAMESPACE

namespace ws::app {

struct SystemFigures {
  QString name; // "wse3", "H100 SXM"
  double tokensPerSecond = 0.0;
  double timeToFirstToken = 0.0; // seconds
  double joulesPerToken = 0.0;
  QString source; // "simulated (fast engine)" or "roofline, sources in assets/gpus/h100-sxm.json"
};

class ComparisonPanel : public QWidget {
  Q_OBJECT
public:
  explicit ComparisonPanel(QWidget* parent = nullptr);

  void clear();
  void setFigures(const SystemFigures& chip, const SystemFigures& gpu);
  double speedup() const { return m_speedup; }

private:
  QTableWidget* m_table = nullptr;
  QLabel* m_headline = nullptr;
  double m_speedup = 0.0;
};

} // namespace ws::app
