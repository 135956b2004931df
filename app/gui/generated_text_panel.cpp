#include "app/gui/generated_text_panel.h"

#include "app/gui/python_highlighter.h"

#include <QFontDatabase>
#include <QHelpEvent>
#include <QTextBlock>
#include <QTextCursor>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace ws::app {

namespace {
// Background for a token `ratio` times the median latency: blue when faster,
// clear at the median, red when slower (log scale, saturating at 4x).
QColor latencyTint(double ratio) {
  const double t = std::clamp(std::log2(std::max(ratio, 1e-9)) / 2.0, -1.0, 1.0);
  const int alpha = int(std::abs(t) * 110.0);
  return t < 0 ? QColor(60, 120, 255, alpha) : QColor(255, 80, 40, alpha);
}
} // namespace

GeneratedTextPanel::GeneratedTextPanel(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setPlaceholderText(tr("Generated code appears here, each token tinted by its latency."));
  m_highlighter = new PythonHighlighter(document());
}

GeneratedTextPanel::~GeneratedTextPanel() = default;

void GeneratedTextPanel::clear() {
  QPlainTextEdit::clear();
  m_spans.clear();
  m_promptLength = 0;
  m_medianLatency = 0.0;
}

void GeneratedTextPanel::setPrompt(const QString& prompt) {
  clear();
  QTextCursor cursor(document());
  cursor.insertText(prompt, QTextCharFormat());
  m_promptLength = int(prompt.size());
}

void GeneratedTextPanel::appendToken(const QString& text, double latencySeconds,
                                     const QString& tooltip, DraftMark mark) {
  QTextCursor cursor(document());
  cursor.movePosition(QTextCursor::End);
  const int start = cursor.position();
  QTextCharFormat format;
  if (mark == DraftMark::AcceptedGuess) {
    format.setUnderlineStyle(QTextCharFormat::SingleUnderline);
    format.setUnderlineColor(QColor(0, 158, 115)); // Okabe-Ito green
  } else if (mark == DraftMark::ReplacedGuesses) {
    format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    format.setUnderlineColor(QColor(213, 94, 0)); // Okabe-Ito vermillion
  }
  cursor.insertText(text, format);
  m_spans.push_back({start, cursor.position() - start, latencySeconds, tooltip, mark});

  std::vector<double> latencies;
  latencies.reserve(m_spans.size());
  for (const auto& span : m_spans) {
    latencies.push_back(span.latency);
  }
  auto mid = latencies.begin() + latencies.size() / 2;
  std::nth_element(latencies.begin(), mid, latencies.end());
  const double median = *mid;
  // Re-tint everything only when the reference moved noticeably; otherwise
  // tint just the new token, so long runs stay cheap.
  if (m_medianLatency <= 0 || std::abs(median - m_medianLatency) > 0.05 * m_medianLatency) {
    m_medianLatency = median;
    retint();
  } else {
    QTextCursor span(document());
    span.setPosition(start);
    span.setPosition(start + m_spans.back().length, QTextCursor::KeepAnchor);
    QTextCharFormat format;
    format.setBackground(latencyTint(latencySeconds / m_medianLatency));
    span.mergeCharFormat(format);
  }
  ensureCursorVisible();
  moveCursor(QTextCursor::End);
}

void GeneratedTextPanel::retint() {
  if (m_medianLatency <= 0) {
    return;
  }
  QTextCursor cursor(document());
  cursor.beginEditBlock();
  for (const auto& span : m_spans) {
    cursor.setPosition(span.start);
    cursor.setPosition(span.start + span.length, QTextCursor::KeepAnchor);
    QTextCharFormat format;
    format.setBackground(latencyTint(span.latency / m_medianLatency));
    cursor.mergeCharFormat(format);
  }
  cursor.endEditBlock();
}

QString GeneratedTextPanel::generatedText() const {
  return toPlainText().mid(m_promptLength);
}

bool GeneratedTextPanel::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const int position = cursorForPosition(viewport()->mapFromParent(help->pos())).position();
    // Spans are in document order: binary search for the one holding `position`.
    auto it = std::upper_bound(m_spans.begin(), m_spans.end(), position,
                               [](int pos, const TokenSpan& span) { return pos < span.start; });
    if (it != m_spans.begin() && position < std::prev(it)->start + std::prev(it)->length) {
      QToolTip::showText(help->globalPos(), std::prev(it)->tooltip, this);
    } else {
      QToolTip::hideText();
      event->ignore();
    }
    return true;
  }
  return QPlainTextEdit::event(event);
}

} // namespace ws::app
