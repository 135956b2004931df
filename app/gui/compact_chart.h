#pragma once
// The chart style both chart panels share: a dock is small, so the chart has
// no title of its own (the dock's title names it) and thin margins; otherwise
// Qt Charts elides the axis labels to "..." at the default dock height.
#include <QChart>
#include <QChartView>

namespace ws::app {

// Styles `chart` and fills `panel` with a view of it; returns the view.
QChartView* fillWithCompactChart(QWidget* panel, QChart* chart);

} // namespace ws::app
