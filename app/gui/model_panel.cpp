#include "app/gui/model_panel.h"

#include "app/session/session.h"
#include "core/model_spec.h"

#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>

namespace ws::app {

namespace {
constexpr int kNameRole = Qt::UserRole;

QString parameters(double count) {
  if (count >= 1e9) {
    return QString::number(count / 1e9, 'f', 1) + " B";
  }
  return QString::number(count / 1e6, 'f', 1) + " M";
}
} // namespace

ModelPanel::ModelPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  m_list = new QListWidget(this);
  m_list->setObjectName("modelList");
  auto* builtin = new QListWidgetItem("Built-in coder (runs its weights)", m_list);
  builtin->setData(kNameRole, QString(kBuiltinModelName));
  try {
    for (const std::string& card : core::listModelCards()) {
      auto* item =
          new QListWidgetItem(QString::fromStdString(card) + " (card: timing only)", m_list);
      item->setData(kNameRole, QString::fromStdString(card));
    }
  } catch (const std::exception& error) {
    auto* item = new QListWidgetItem(QString("model cards unavailable: ") + error.what(), m_list);
    item->setFlags(Qt::NoItemFlags);
  }
  m_list->setCurrentRow(0);
  layout->addWidget(m_list, 1);

  m_open = new QPushButton("Open GGUF / safetensors...", this);
  layout->addWidget(m_open);
  m_progress = new QProgressBar(this);
  m_progress->setRange(0, 100);
  m_progress->hide();
  layout->addWidget(m_progress);
  m_details = new QLabel(this);
  m_details->setObjectName("modelDetails");
  m_details->setWordWrap(true);
  m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_details);

  connect(m_list, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { emit modelChosen(item->data(kNameRole).toString()); });
  connect(m_list, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item && (item->flags() & Qt::ItemIsEnabled)) {
      emit modelChosen(item->data(kNameRole).toString());
    }
  });
  connect(m_open, &QPushButton::clicked, this, &ModelPanel::openFileRequested);
}

int ModelPanel::entryFor(const QString& nameOrPath) {
  for (int row = 0; row < m_list->count(); ++row) {
    if (m_list->item(row)->data(kNameRole).toString() == nameOrPath) {
      return row;
    }
  }
  auto* item = new QListWidgetItem(QFileInfo(nameOrPath).fileName() + " (file)", m_list);
  item->setData(kNameRole, nameOrPath);
  item->setToolTip(nameOrPath);
  return m_list->count() - 1;
}

void ModelPanel::choose(const QString& nameOrPath) {
  const int row = entryFor(nameOrPath);
  {
    const QSignalBlocker blocker(m_list);
    m_list->setCurrentRow(row);
  }
  emit modelChosen(nameOrPath);
}

QString ModelPanel::currentModel() const {
  const QListWidgetItem* item = m_list->currentItem();
  return item ? item->data(kNameRole).toString() : QString(kBuiltinModelName);
}

void ModelPanel::showProgress(const QString& stage, double fraction) {
  m_progress->setFormat(stage + " %p%");
  m_progress->setValue(int(fraction * 100.0));
  m_progress->setVisible(fraction < 1.0);
}

void ModelPanel::hideProgress() {
  m_progress->hide();
}

void ModelPanel::showLoaded(const ModelLoadedEvent& event) {
  const core::ModelSpec& spec = event.spec;
  QString text = QString("<b>%1</b> (%2)<br>%3 parameters, %4 layers, hidden %5, %6 heads / %7 KV")
                     .arg(QString::fromStdString(spec.name).toHtmlEscaped(),
                          QString::fromStdString(spec.architecture).toHtmlEscaped(),
                          parameters(double(spec.paramCounts().total())))
                     .arg(spec.layers)
                     .arg(spec.hiddenSize)
                     .arg(spec.heads)
                     .arg(spec.kvHeads);
  text += QString("<br>weights %1 GB").arg(spec.weightBytes() / 1e9, 0, 'f', 2);
  text += event.hasWeights
              ? QString("<br>runs its own weights")
              : "<br><i>" + QString::fromStdString(event.note).toHtmlEscaped() + "</i>";
  m_details->setText(text);
  m_details->setToolTip("source: " + QString::fromStdString(spec.source));
}

} // namespace ws::app
