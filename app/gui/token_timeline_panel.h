#pragma once
// Token timeline: latency per generated token, stacked by where the time went
// (compute / fabric / memory / synchronisation), with a time-to-first-token
// marker. In a speculative run a step's time sits on its first token (the
// others come out with it at no extra time), and two lines split it into the
// draft's phase and the target's verify pass. Clicking or dragging on the chart scrubs: it emits
// the simulated time under the cursor so the heatmap can show that moment.
#include "app/run/run_events.h"
#include "sim/engine_observer.h"

#include <QPointF>
#include <QString>
#include <QWidget>

#include <vector>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLineSeries;
class QScatterSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace ws::app {

class TokenTimelinePanel : public QWidget {
  Q_OBJECT
public:
  explicit TokenTimelinePanel(QWidget* parent = nullptr);

  void clear();
  void addToken(const TokenEvent& token);
  // Prefill latency (time to first token), drawn as a marker line.
  void setTimeToFirstToken(double seconds);
  // Tokens whose critical region is `name` are drawn highlighted; "" clears.
  void highlightRegion(const QString& name);

  int tokenCount() const { return int(m_tokens.size()); }
  // The phase lines, shown once a speculative token arrives.
  const QLineSeries* draftPhase() const { return m_draftPhase; }
  const QLineSeries* verifyPhase() const { return m_verifyPhase; }
  const std::vector<TokenEvent>& tokens() const { return m_tokens; }

signals:
  // Simulated time (seconds) of the token under the cursor when the user
  // clicks or drags on the chart.
  void scrubbed(double simTime);

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  static constexpr int kCategories = sim::TimeBreakdown::kCategories;
  void rebuildHighlight();
  void updateAxes();
  void updateTtftLine();
  void scrubAt(QPointF viewportPos);
  const TokenEvent* tokenAt(QPointF viewportPos) const;

  std::vector<TokenEvent> m_tokens;
  QString m_highlighted;
  double m_ttft = -1.0;
  double m_maxLatencyUs = 0.0;
  QChart* m_chart = nullptr;
  QChartView* m_view = nullptr;
  // Stacked areas: m_upper[k] holds the cumulative sum of categories 0..k (µs).
  QLineSeries* m_upper[kCategories] = {};
  QLineSeries* m_baseline = nullptr;
  QScatterSeries* m_highlight = nullptr;
  QLineSeries* m_ttftLine = nullptr;
  QLineSeries* m_draftPhase = nullptr;  // µs per token: the draft's K steps
  QLineSeries* m_verifyPhase = nullptr; // µs per token: the verify pass
  QLineSeries* m_cursor = nullptr;
  QValueAxis* m_xAxis = nullptr;
  QValueAxis* m_yAxis = nullptr;
};

} // namespace ws::app
