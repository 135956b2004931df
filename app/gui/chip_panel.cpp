#include "app/gui/chip_panel.h"

#include "app/gui/units.h"
#include "sim/chip_spec.h"

#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>

namespace ws::app {

ChipPanel::ChipPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  m_presets = new QComboBox(this);
  m_presets->setObjectName("chipPresets");
  try {
    for (const std::string& preset : sim::listChipPresets()) {
      m_presets->addItem(QString::fromStdString(preset), QString::fromStdString(preset));
    }
  } catch (const std::exception& error) {
    m_presets->addItem(QString("presets unavailable: ") + error.what());
  }
  layout->addWidget(m_presets);
  m_open = new QPushButton("Open chip JSON...", this);
  layout->addWidget(m_open);
  m_summary = new QLabel(this);
  m_summary->setObjectName("chipSummary");
  m_summary->setWordWrap(true);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_summary);
  layout->addStretch(1);

  connect(m_presets, &QComboBox::currentIndexChanged, this, [this](int index) {
    const QString name = m_presets->itemData(index).toString();
    if (!name.isEmpty()) {
      emit chipChosen(name);
    }
  });
  connect(m_open, &QPushButton::clicked, this, &ChipPanel::openFileRequested);
}

void ChipPanel::choose(const QString& nameOrPath) {
  int index = m_presets->findData(nameOrPath);
  if (index < 0) {
    m_presets->addItem(QFileInfo(nameOrPath).fileName(), nameOrPath);
    index = m_presets->count() - 1;
  }
  {
    const QSignalBlocker blocker(m_presets);
    m_presets->setCurrentIndex(index);
  }
  emit chipChosen(nameOrPath);
}

QString ChipPanel::currentChip() const {
  return m_presets->currentData().toString();
}

void ChipPanel::showMapping(const MappedEvent& event) {
  const ChipSummary& chip = event.chip;
  const double used = event.sramUsed.total();
  QString text = QString("<b>%1</b>%2<br>%3 PEs, %4 SRAM, %5 GHz")
                     .arg(QString::fromStdString(chip.name).toHtmlEscaped(),
                          chip.wafers > 1 ? QString(" (%1 wafers)").arg(chip.wafers) : QString())
                     .arg(chip.pes)
                     .arg(formatBytes(chip.sramBytes))
                     .arg(chip.clockHz / 1e9, 0, 'f', 2);
  text += QString("<br>mapping: %1 regions on %2 PEs; SRAM %3 of %4 (%5%)")
              .arg(event.placement->regions().size())
              .arg(event.pesUsed)
              .arg(formatBytes(used), formatBytes(chip.sramBytes))
              .arg(chip.sramBytes > 0 ? 100.0 * used / chip.sramBytes : 0.0, 0, 'f', 1);
  text += QString("<br>weights %1, KV %2, activations %3, reserve %4")
              .arg(formatBytes(event.sramUsed.weights), formatBytes(event.sramUsed.kv),
                   formatBytes(event.sramUsed.activations), formatBytes(event.sramUsed.reserve));
  m_summary->setText(text);
}

void ChipPanel::clearMapping(const QString& why) {
  m_summary->setText(why.toHtmlEscaped());
}

} // namespace ws::app
