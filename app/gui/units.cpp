#include "app/gui/units.h"

namespace ws::app {

QString formatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 4) {
    bytes /= 1024.0;
    ++unit;
  }
  return QString::number(bytes, 'f', unit == 0 ? 0 : 1) + " " + units[unit];
}

QString formatSimTime(double seconds) {
  if (seconds < 1e-3) {
    return QString::number(seconds * 1e6, 'f', 1) + " µs";
  }
  if (seconds < 1.0) {
    return QString::number(seconds * 1e3, 'f', 3) + " ms";
  }
  return QString::number(seconds, 'f', 3) + " s";
}

} // namespace ws::app
