#include "app/gui/compact_chart.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

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

double niceTickStep(double span, double minStep) {
  constexpr double kTicks = 4.0; // intervals aimed at: five labels
  double step = minStep > 0.0 ? minStep : 1.0;
  if (span > 0.0 && std::isfinite(span)) {
    const double raw = span / kTicks;
    const double decade = std::pow(10.0, std::floor(std::log10(raw)));
    const double fraction = raw / decade;
    step = (fraction <= 1.0 ? 1.0 : fraction <= 2.0 ? 2.0 : fraction <= 5.0 ? 5.0 : 10.0) * decade;
  }
  if (minStep > 0.0) {
    step = std::max(step, minStep);
    if (minStep >= 1.0) {
      step = std::ceil(step); // whole numbers only
    }
  }
  return step;
}

void setTickedRange(QValueAxis* axis, double min, double max, double minStep) {
  const double step = niceTickStep(max - min, minStep);
  axis->setRange(min, max);
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(std::ceil(min / step) * step);
  axis->setTickInterval(step);
  const int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  axis->setLabelFormat(QString("%.%1f").arg(decimals));
}

} // namespace ws::app
