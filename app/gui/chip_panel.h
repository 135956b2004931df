#pragma once
// Chip dock: presets and chip JSON files; the chip's summary (PEs, SRAM,
// clock) and how much of its SRAM the mapping uses.
#include "app/session/session_events.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QPushButton;
QT_END_NAMESPACE

namespace ws::app {

class ChipPanel : public QWidget {
  Q_OBJECT
public:
  explicit ChipPanel(QWidget* parent = nullptr);

  // Selects a preset name or a file (added when new); emits chipChosen.
  void choose(const QString& nameOrPath);
  QString currentChip() const;
  void showMapping(const MappedEvent& event);
  void clearMapping(const QString& why);

signals:
  void chipChosen(const QString& nameOrPath);
  void openFileRequested();

private:
  QComboBox* m_presets = nullptr;
  QPushButton* m_open = nullptr;
  QLabel* m_summary = nullptr;
};

} // namespace ws::app
