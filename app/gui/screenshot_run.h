#pragma once
// Unattended runs of the main window for screenshots (the --screenshot
// option, the GUI tests and the README picture).
#include <QString>
#include <QStringList>

#include <functional>

namespace ws::app {

class MainWindow;

// Processes events until `done` holds or `timeoutMs` passes; true when it held.
bool waitUntil(const std::function<bool()>& done, int timeoutMs);

// Switches the heatmap to each mode, lets it draw, and writes an X-level
// capture of the whole window to DIR/<mode>.png ("activity", "sram",
// "link"). Returns the paths written; throws std::runtime_error naming the
// file that could not be written.
QStringList saveModeScreenshots(MainWindow& window, const QString& dir);

// Waits for the mapping, runs the current prompt for `tokens` tokens, saves
// the screenshots; prints what it wrote. Returns a process exit code.
int runForScreenshots(MainWindow& window, const QString& dir, int tokens);

} // namespace ws::app
