#pragma once
// Model dock: the built-in model (selected by default), the model cards, a
// file opened from disk; a progress bar while loading and mapping, and what
// the loaded model is (shape, parameters, whether its weights run).
#include "app/session/session_events.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QListWidget;
class QLabel;
class QProgressBar;
class QPushButton;
QT_END_NAMESPACE

namespace ws::app {

class ModelPanel : public QWidget {
  Q_OBJECT
public:
  explicit ModelPanel(QWidget* parent = nullptr);

  // The entry for a model name or path, added for files; emits modelChosen.
  void choose(const QString& nameOrPath);
  QString currentModel() const;

  void showProgress(const QString& stage, double fraction);
  void hideProgress();
  void showLoaded(const ModelLoadedEvent& event);

signals:
  void modelChosen(const QString& nameOrPath);
  void openFileRequested();

private:
  int entryFor(const QString& nameOrPath);

  QListWidget* m_list = nullptr;
  QPushButton* m_open = nullptr;
  QProgressBar* m_progress = nullptr;
  QLabel* m_details = nullptr;
};

} // namespace ws::app
