#include "app/gui/token_timeline_panel.h"

#include "app/gui/compact_chart.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPen>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace ws::app {

namespace {
constexpr double kUs = 1e6;

double category(const TokenEvent& t, int k) {
  return t.timing.breakdown.category(k);
}
} // namespace

TokenTimelinePanel::TokenTimelinePanel(QWidget* parent) : QWidget(parent) {
  m_chart = new QChart;
  m_xAxis = new QValueAxis;
  m_xAxis->setTitleText(tr("token"));
  m_yAxis = new QValueAxis;
  m_yAxis->setTitleText(tr("µs"));
  m_chart->addAxis(m_xAxis, Qt::AlignBottom);
  m_chart->addAxis(m_yAxis, Qt::AlignLeft);

  // Colour-blind-safe (Okabe-Ito) for the mechanisms, in TimeBreakdown's order.
  const QColor colours[kCategories] = {
      QColor(0, 114, 178), QColor(0, 158, 115),   QColor(86, 180, 233), QColor(230, 159, 0),
      QColor(213, 94, 0),  QColor(204, 121, 167), QColor(240, 228, 66)};
  m_baseline = new QLineSeries(this);
  QLineSeries* lower = m_baseline;
  for (int k = 0; k < kCategories; ++k) {
    m_upper[k] = new QLineSeries(this);
    auto* area = new QAreaSeries(m_upper[k], lower);
    area->setName(tr(sim::TimeBreakdown::categoryName(k)));
    area->setColor(colours[k]);
    area->setBorderColor(colours[k].darker(120));
    m_chart->addSeries(area);
    area->attachAxis(m_xAxis);
    area->attachAxis(m_yAxis);
    lower = m_upper[k];
  }
  m_highlight = new QScatterSeries;
  m_highlight->setName(tr("critical: selected region"));
  m_highlight->setMarkerSize(7.0);
  m_highlight->setColor(QColor(255, 64, 160));
  m_chart->addSeries(m_highlight);
  m_highlight->attachAxis(m_xAxis);
  m_highlight->attachAxis(m_yAxis);

  m_ttftLine = new QLineSeries;
  QPen ttftPen(Qt::red);
  ttftPen.setStyle(Qt::DashLine);
  ttftPen.setWidthF(1.5);
  m_ttftLine->setPen(ttftPen);
  m_chart->addSeries(m_ttftLine);
  m_ttftLine->attachAxis(m_xAxis);
  m_ttftLine->attachAxis(m_yAxis);

  const auto phaseLine = [this](const QString& name, QColor colour) {
    auto* line = new QLineSeries;
    line->setName(name);
    QPen pen(colour);
    pen.setStyle(Qt::DashLine);
    pen.setWidthF(2.0);
    line->setPen(pen);
    m_chart->addSeries(line);
    line->attachAxis(m_xAxis);
    line->attachAxis(m_yAxis);
    return line;
  };
  m_draftPhase = phaseLine(tr("draft phase"), QColor(0, 158, 115));
  m_verifyPhase = phaseLine(tr("verify pass"), QColor(213, 94, 0));

  m_cursor = new QLineSeries;
  m_cursor->setName(tr("scrub"));
  m_cursor->setPen(QPen(Qt::black, 1.0));
  m_chart->addSeries(m_cursor);
  m_cursor->attachAxis(m_xAxis);
  m_cursor->attachAxis(m_yAxis);

  m_view = fillWithCompactChart(this, m_chart);
  m_view->viewport()->installEventFilter(this);
  m_view->setToolTip(tr("Click or drag to show the heatmap at that token"));
  clear();
}

void TokenTimelinePanel::clear() {
  m_tokens.clear();
  m_maxLatencyUs = 0.0;
  m_ttft = -1.0;
  m_baseline->clear();
  for (auto* upper : m_upper) {
    upper->clear();
  }
  m_highlight->clear();
  m_cursor->clear();
  m_draftPhase->clear();
  m_verifyPhase->clear();
  m_draftPhase->setVisible(false);
  m_verifyPhase->setVisible(false);
  updateTtftLine();
  updateAxes();
}

void TokenTimelinePanel::addToken(const TokenEvent& token) {
  m_tokens.push_back(token);
  const double x = token.timing.index;
  m_baseline->append(x, 0.0);
  double cumulative = 0.0;
  for (int k = 0; k < kCategories; ++k) {
    cumulative += category(token, k) * kUs;
    m_upper[k]->append(x, cumulative);
  }
  // The breakdown follows the critical path; the bar height is the latency.
  m_maxLatencyUs =
      std::max({m_maxLatencyUs, cumulative, (token.timing.simEnd - token.timing.simStart) * kUs});
  if (!m_highlighted.isEmpty() &&
      QString::fromStdString(token.criticalRegionName) == m_highlighted) {
    m_highlight->append(x, cumulative);
  }
  // The step's phases on the token that carries its time; zero elsewhere.
  const bool carriesStep = token.speculative && token.timing.seconds() > 0.0;
  const double draftUs =
      carriesStep ? (token.speculative->draftEnd - token.speculative->draftStart) * kUs : 0.0;
  const double verifyUs =
      carriesStep ? (token.speculative->verifyEnd - token.speculative->verifyStart) * kUs : 0.0;
  m_draftPhase->append(x, draftUs);
  m_verifyPhase->append(x, verifyUs);
  if (token.speculative && !m_draftPhase->isVisible()) {
    m_draftPhase->setVisible(true);
    m_verifyPhase->setVisible(true);
  }
  updateTtftLine();
  updateAxes();
}

void TokenTimelinePanel::setTimeToFirstToken(double seconds) {
  m_ttft = seconds;
  updateTtftLine();
  updateAxes();
}

void TokenTimelinePanel::highlightRegion(const QString& name) {
  m_highlighted = name;
  rebuildHighlight();
}

void TokenTimelinePanel::rebuildHighlight() {
  QList<QPointF> points;
  if (!m_highlighted.isEmpty()) {
    for (const auto& t : m_tokens) {
      if (QString::fromStdString(t.criticalRegionName) == m_highlighted) {
        double sum = 0.0;
        for (int k = 0; k < kCategories; ++k) {
          sum += category(t, k) * kUs;
        }
        points.append(QPointF(t.timing.index, sum));
      }
    }
  }
  m_highlight->replace(points);
  m_highlight->setName(m_highlighted.isEmpty() ? tr("critical: selected region")
                                               : tr("critical: %1").arg(m_highlighted));
}

void TokenTimelinePanel::updateTtftLine() {
  m_ttftLine->clear();
  if (m_ttft < 0) {
    m_ttftLine->setName(tr("time to first token"));
    return;
  }
  const double first = m_tokens.empty() ? 0.0 : m_tokens.front().timing.index;
  const double last =
      m_tokens.empty() ? 1.0 : std::max(first + 1.0, double(m_tokens.back().timing.index));
  m_ttftLine->append(first, m_ttft * kUs);
  m_ttftLine->append(last, m_ttft * kUs);
  m_ttftLine->setName(tr("time to first token: %1 µs").arg(m_ttft * kUs, 0, 'f', 1));
}

void TokenTimelinePanel::updateAxes() {
  const double first = m_tokens.empty() ? 0.0 : m_tokens.front().timing.index;
  const double last =
      m_tokens.empty() ? 1.0 : std::max(first + 1.0, double(m_tokens.back().timing.index));
  setTickedRange(m_xAxis, first, last, 1.0); // token indices: integer ticks
  const double top = std::max({m_maxLatencyUs, m_ttft * kUs, 1.0});
  setTickedRange(m_yAxis, 0.0, top * 1.1);
}

const TokenEvent* TokenTimelinePanel::tokenAt(QPointF viewportPos) const {
  if (m_tokens.empty()) {
    return nullptr;
  }
  const QPointF value = m_chart->mapToValue(m_view->mapToScene(viewportPos.toPoint()));
  // Tokens are indexed consecutively, so the nearest one is found by rounding.
  const long index = std::lround(value.x()) - m_tokens.front().timing.index;
  return &m_tokens[size_t(std::clamp<long>(index, 0, long(m_tokens.size()) - 1))];
}

void TokenTimelinePanel::scrubAt(QPointF viewportPos) {
  const TokenEvent* found = tokenAt(viewportPos);
  if (!found) {
    return;
  }
  const TokenEvent& token = *found;
  m_cursor->replace(QList<QPointF>{{double(token.timing.index), 0.0},
                                   {double(token.timing.index), m_yAxis->max()}});
  emit scrubbed(0.5 * (token.timing.simStart + token.timing.simEnd));
}

bool TokenTimelinePanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == m_view->viewport()) {
    if (event->type() == QEvent::MouseButtonPress ||
        (event->type() == QEvent::MouseMove &&
         (static_cast<QMouseEvent*>(event)->buttons() & Qt::LeftButton))) {
      scrubAt(static_cast<QMouseEvent*>(event)->position());
      return true;
    }
    if (event->type() == QEvent::MouseMove) {
      auto* mouse = static_cast<QMouseEvent*>(event);
      if (const TokenEvent* t = tokenAt(mouse->position())) {
        QString causes;
        for (int k = 0; k < kCategories; ++k) {
          causes += QString("%1%2 %3")
                        .arg(k == 0 ? "" : ", ", tr(sim::TimeBreakdown::categoryName(k)))
                        .arg(category(*t, k) * kUs, 0, 'f', 2);
        }
        QToolTip::showText(
            mouse->globalPosition().toPoint(),
            tr("token %1 %2\n%3 µs: %4\ncritical: %5")
                .arg(t->timing.index)
                .arg(t->piece.empty() ? QString() : "\"" + QString::fromStdString(t->piece) + "\"")
                .arg((t->timing.simEnd - t->timing.simStart) * kUs, 0, 'f', 2)
                .arg(causes, QString::fromStdString(t->criticalRegionName)),
            m_view);
      }
    }
  }
  return QWidget::eventFilter(watched, event);
}

} // namespace ws::app
