#pragma once
// The chart style both chart panels share: a dock is small, so the chart has
// no title of its own (the dock's title names it) and thin margins; otherwise
// Qt Charts elides the axis labels to "..." at the default dock height. Axes
// get ticks at round steps, so no two labels read the same (an empty chart
// used to show "0, 0, 1, 1" on its token axis).
#include <QChart>
#include <QChartView>
#include <QValueAxis>

namespace ws::app {

// Styles `chart` and fills `panel` with a view of it; returns the view.
QChartView* fillWithCompactChart(QWidget* panel, QChart* chart);

// The tick step for a span: 1, 2 or 5 x 10^k giving about five ticks, and
// at least `minStep` (1 for an integer axis, whose step is then an integer).
double niceTickStep(double span, double minStep = 0.0);

// Sets the range [min, max] with ticks every niceTickStep(max - min, minStep)
// from a multiple of the step, labelled with the decimals the step needs.
void setTickedRange(QValueAxis* axis, double min, double max, double minStep = 0.0);

} // namespace ws::app
