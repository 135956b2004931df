#include "app/gui/comparison_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ws::app {

namespace {
enum Row { TokensPerSecond, TimeToFirstToken, EnergyPerToken, Source, RowCount };

QString formatSeconds(double s) {
  if (s <= 0) {
    return QStringLiteral("–");
  }
  if (s < 1e-3) {
    return QStringLiteral("%1 µs").arg(s * 1e6, 0, 'f', 1);
  }
  if (s < 1.0) {
    return QStringLiteral("%1 ms").arg(s * 1e3, 0, 'f', 2);
  }
  return QStringLiteral("%1 s").arg(s, 0, 'f', 2);
}

QString formatJoules(double j) {
  if (j <= 0) {
    return QStringLiteral("–");
  }
  return j < 1.0 ? QStringLiteral("%1 mJ").arg(j * 1e3, 0, 'f', 2)
                 : QStringLiteral("%1 J").arg(j, 0, 'f', 2);
}
} // namespace

ComparisonPanel::ComparisonPanel(QWidget* parent) : QWidget(parent) {
  m_headline = new QLabel(this);
  m_headline->setWordWrap(true);
  QFont big = m_headline->font();
  big.setPointSizeF(big.pointSizeF() * 1.4);
  big.setBold(true);
  m_headline->setFont(big);
  m_table = new QTableWidget(RowCount, 2, this);
  m_table->setVerticalHeaderLabels(
      {tr("tokens/s (one user)"), tr("time to first token"), tr("energy per token"), tr("source")});
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_headline);
  layout->addWidget(m_table);
  clear();
}

void ComparisonPanel::clear() {
  m_speedup = 0.0;
  m_headline->setText(tr("Run a model to compare the chip with the GPU baseline."));
  m_table->setHorizontalHeaderLabels({tr("chip"), tr("GPU")});
  m_table->clearContents();
}

void ComparisonPanel::setFigures(const SystemFigures& chip, const SystemFigures& gpu) {
  m_table->setHorizontalHeaderLabels({chip.name, gpu.name});
  const SystemFigures* systems[2] = {&chip, &gpu};
  for (int column = 0; column < 2; ++column) {
    const auto& s = *systems[column];
    QString rate =
        s.tokensPerSecond > 0 ? QString::number(s.tokensPerSecond, 'f', 0) : QStringLiteral("–");
    if (s.tokensPerSecond > 0 && s.tokensPerSecondHigh > s.tokensPerSecondLow) {
      rate += tr(" (%1–%2 over unconfirmed parameters)")
                  .arg(s.tokensPerSecondLow, 0, 'f', 0)
                  .arg(s.tokensPerSecondHigh, 0, 'f', 0);
    }
    const QString values[RowCount] = {rate, formatSeconds(s.timeToFirstToken),
                                      formatJoules(s.joulesPerToken), s.source};
    for (int row = 0; row < RowCount; ++row) {
      auto* item = new QTableWidgetItem(values[row]);
      item->setToolTip(values[row]);
      m_table->setItem(row, column, item);
    }
  }
  m_table->resizeRowsToContents();
  m_speedup = gpu.tokensPerSecond > 0 ? chip.tokensPerSecond / gpu.tokensPerSecond : 0.0;
  QString headline = m_speedup > 0 ? tr("%1 generates %2× faster than %3 for one user")
                                         .arg(chip.name)
                                         .arg(m_speedup, 0, 'f', 1)
                                         .arg(gpu.name)
                                   : tr("No GPU figure for this model.");
  if (m_speedup > 0 && chip.tokensPerSecondHigh > chip.tokensPerSecondLow) {
    headline += tr(" (%1–%2× over the chip's unconfirmed parameters)")
                    .arg(chip.tokensPerSecondLow / gpu.tokensPerSecond, 0, 'f', 1)
                    .arg(chip.tokensPerSecondHigh / gpu.tokensPerSecond, 0, 'f', 1);
  }
  m_headline->setText(headline);
}

} // namespace ws::app
