#pragma once
// Numbers as the panels show them, with a unit that suits their size.
#include <QString>

namespace ws::app {

QString formatBytes(double bytes);     // "48.0 KiB", "44.0 GiB"
QString formatSimTime(double seconds); // "512.3 µs", "1.204 ms", "2.500 s"

} // namespace ws::app
