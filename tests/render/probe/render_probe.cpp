// Renders a small field off-screen and optionally writes it as PNG; on any
// failure prints one line "render_probe: error: ..." and exits 1, as the CLI does.
#include "render/image.h"
#include "render/offscreen_renderer.h"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  try {
    ws::render::OffscreenRenderer renderer(64, 48);
    ws::render::Field field{2, 2, {0.0f, 1.0f, 2.0f, 3.0f}};
    ws::render::Image image = renderer.render(field, {}, {});
    if (argc > 1) {
      ws::render::writePng(image, argv[1]);
    }
    std::printf("render_probe: ok on %s\n", renderer.deviceName().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "render_probe: error: %s\n", e.what());
    return 1;
  }
}
