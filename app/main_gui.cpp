// waferscope: the workbench GUI. A thin executable over ws_gui.
#include "app/gui/main_window.h"
#include "app/gui/screenshot_run.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace {

// Qt aborts when it cannot open the display; say so plainly instead.
bool displayAvailable() {
  const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
  if (platform.startsWith("offscreen") || platform.startsWith("minimal")) {
    return true;
  }
  if (platform.startsWith("wayland")) {
    return !qgetenv("WAYLAND_DISPLAY").isEmpty();
  }
  return !qgetenv("DISPLAY").isEmpty() || !qgetenv("WAYLAND_DISPLAY").isEmpty();
}

} // namespace

int main(int argc, char** argv) {
  if (!displayAvailable()) {
    std::fprintf(stderr, "waferscope: error: no display (DISPLAY is not set); run it on a desktop "
                         "or under xvfb-run, or use waferscope-cli\n");
    return 2;
  }
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Waferscope");
  QApplication::setApplicationName("waferscope");

  QCommandLineParser parser;
  parser.setApplicationDescription("Waferscope: a language model running on a simulated "
                                   "wafer-scale chip");
  parser.addHelpOption();
  QCommandLineOption presenter("presenter", "Start in presenter mode (full screen, looping demo).");
  QCommandLineOption model("model", "Model: builtin, a card name, or a GGUF/safetensors file.",
                           "model");
  QCommandLineOption chip("chip", "Chip: a preset name or a chip JSON file.", "chip");
  QCommandLineOption screenshot("screenshot",
                                "Run the prompt once, save screenshots of the window in each "
                                "heatmap mode to DIR, and exit.",
                                "dir");
  QCommandLineOption tokens("tokens", "Tokens to generate for --screenshot (default 32).", "n",
                            "32");
  parser.addOptions({presenter, model, chip, screenshot, tokens});
  parser.process(app);

  ws::app::MainWindowOptions options;
  options.model = parser.value(model);
  options.chip = parser.value(chip);
  options.restoreSettings = !parser.isSet(screenshot);
  std::unique_ptr<ws::app::MainWindow> window;
  try {
    window = std::make_unique<ws::app::MainWindow>(options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "waferscope: error: cannot start the heatmap: %s\n", error.what());
    return 1;
  }
  window->show();
  if (parser.isSet(presenter)) {
    window->setPresenterMode(true);
  }
  if (parser.isSet(screenshot)) {
    return ws::app::runForScreenshots(*window, parser.value(screenshot),
                                      parser.value(tokens).toInt());
  }
  return app.exec();
}
