#include "app/gui/compact_chart.h"

#include <QVBoxLayout>

namespace ws::app {

QChartView* fillWithCompactChart(QWidget* panel, QChart* chart) {
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->setMargins(QMargins(4, 4, 4, 2));
  chart->setBackgroundRoundness(0);
  chart->legend()->setAlignment(Qt::AlignBottom);
  auto* view = new QChartView(chart, panel);
  view->setRenderHint(QPainter::Antialiasing);
  auto* layout = new QVBoxLayout(panel);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view);
  return view;
}

} // namespace ws::app
