#include "app/gui/screenshot_run.h"

#include "app/gui/heatmap_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/run_panel.h"
#include "render/qt/heatmap_window.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QImage>
#include <QSaveFile>
#include <QThread>

#include <cstdio>
#include <stdexcept>

namespace ws::app {

namespace {
// Frames the view draws after a mode switch before the capture, so the new
// field is on screen (the swapchain may hold an older image or two).
constexpr int kFramesBeforeCapture = 3;
constexpr int kFrameTimeoutMs = 10000;
} // namespace

bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
  QDeadlineTimer deadline(timeoutMs);
  while (!done()) {
    if (deadline.hasExpired()) {
      return false;
    }
    QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    QThread::msleep(2);
  }
  return true;
}

QStringList saveModeScreenshots(MainWindow& window, const QString& dir) {
  QDir().mkpath(dir);
  QStringList written;
  // An X-level capture shows whatever is on top: bring the window there.
  window.raise();
  window.activateWindow();
  const std::pair<HeatmapMode, const char*> modes[] = {{HeatmapMode::Activity, "activity"},
                                                       {HeatmapMode::Sram, "sram"},
                                                       {HeatmapMode::Links, "link"}};
  for (const auto& [mode, name] : modes) {
    window.heatmapPanel()->setMode(mode);
    int frames = 0;
    const auto connection =
        QObject::connect(window.heatmapPanel()->view(), &render::HeatmapView::frameRendered,
                         [&frames](double) { ++frames; });
    window.heatmapPanel()->view()->window()->requestUpdate();
    // The session sends a frame of the new plane; capture once it is drawn.
    waitUntil(
        [&] {
          const auto frame = window.heatmapPanel()->frame();
          if (!frame || frame->plane != mode) {
            frames = 0;
            return false;
          }
          if (frames < kFramesBeforeCapture) {
            window.heatmapPanel()->view()->window()->requestUpdate();
          }
          return frames >= kFramesBeforeCapture;
        },
        kFrameTimeoutMs);
    QObject::disconnect(connection);
    const QString path = QDir(dir).filePath(QString(name) + ".png");
    const QImage image = window.captureScreen();
    QSaveFile file(path);
    if (image.isNull() || !file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") ||
        !file.commit()) {
      throw std::runtime_error(path.toStdString() + ": cannot write the screenshot");
    }
    written << path;
  }
  return written;
}

int runForScreenshots(MainWindow& window, const QString& dir, int tokens) {
  constexpr int kMapTimeoutMs = 120000;
  constexpr int kRunTimeoutMs = 600000;
  if (!waitUntil([&] { return window.hasMapping(); }, kMapTimeoutMs)) {
    std::fprintf(stderr, "waferscope: error: the model was not mapped onto the chip\n");
    return 1;
  }
  bool ended = false;
  bool failed = false;
  QObject::connect(&window.bridge(), &SessionBridge::finished,
                   [&ended](const FinishedEvent&) { ended = true; });
  QObject::connect(&window.bridge(), &SessionBridge::failed, [&](const ErrorEvent& error) {
    std::fprintf(stderr, "waferscope: error: %s\n", error.message.c_str());
    failed = ended = true;
  });
  window.runPanel()->setMaxTokens(tokens);
  window.startRun();
  if (!waitUntil([&] { return ended; }, kRunTimeoutMs) || failed) {
    return 1;
  }
  try {
    for (const QString& path : saveModeScreenshots(window, dir)) {
      std::printf("wrote %s\n", qPrintable(path));
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "waferscope: error: %s\n", error.what());
    return 1;
  }
  return 0;
}

} // namespace ws::app
