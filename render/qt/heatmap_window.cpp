#include "render/qt/heatmap_window.h"

#include "render/colormap.h"
#include "render/heatmap_overlay.h"
#include "render/heatmap_renderer.h"
#include "render/vulkan_error.h"

#include <fmt/format.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QVBoxLayout>
#include <QVersionNumber>
#include <QVulkanFunctions>
#include <QWheelEvent>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace ws::render {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
// ImGui's per-frame buffers are reused after this many frames; QVulkanWindow
// keeps at most concurrentFrameCount() (2 by default, at most 3) in flight.
constexpr uint32_t kOverlayImageCount = 3;
constexpr double kWheelStep = 1.2;      // zoom factor per wheel notch
constexpr double kKeyPanFraction = 0.1; // of the viewport per arrow key
constexpr double kDragThresholdPx = 3.0;

std::atomic<uint32_t> g_validationMessages{0};

bool countValidationMessage(VkDebugReportFlagsEXT flags, VkDebugReportObjectTypeEXT, uint64_t,
                            size_t, int32_t, const char*, const char*) {
  if ((flags & (VK_DEBUG_REPORT_ERROR_BIT_EXT | VK_DEBUG_REPORT_WARNING_BIT_EXT)) != 0) {
    ++g_validationMessages;
  }
  return false; // Qt still prints it
}

bool validationRequested() {
  const char* env = std::getenv("WS_VULKAN_VALIDATION");
  return env != nullptr && std::strcmp(env, "1") == 0;
}

} // namespace

struct HeatmapWindow::State {
  std::shared_ptr<const Field> pendingField;
  std::optional<CellRect> homeRect;
  bool fieldPending = false;
  uint32_t fieldWidth = 0;
  uint32_t fieldHeight = 0;
  FieldOverlays overlays;
  HeatmapStyle style;
  bool styleDirty = true;
  InspectorText inspectorText;
  std::optional<glm::ivec2> hovered;
  OverlayInput input;
  double lastFrameMs = -1.0;
  bool dragging = false;
  bool dragMoved = false;
  QPointF dragStart;
  QPointF lastMouse;
};

class HeatmapWindowRenderer : public QVulkanWindowRenderer {
public:
  explicit HeatmapWindowRenderer(HeatmapWindow* window) : m_window(window) {}

  void initResources() override {
    const VulkanDevice dev{m_window->vulkanInstance()->vkInstance(), m_window->physicalDevice(),
                           m_window->device(), m_window->graphicsQueueFamilyIndex(),
                           m_window->graphicsQueue()};
    try {
      m_heatmap = std::make_unique<HeatmapRenderer>(dev, m_window->defaultRenderPass(),
                                                    uint32_t(m_window->concurrentFrameCount()));
      m_overlay =
          std::make_unique<HeatmapOverlay>(dev, m_window->defaultRenderPass(), kOverlayImageCount);
    } catch (const std::exception& e) {
      fail(e); // Qt has no error path here: frames stay background-only
    }
    m_window->m_state->styleDirty = true;
  }

  void initSwapChainResources() override {
    const QSize size = m_window->swapChainImageSize();
    m_window->m_camera.setViewport({double(size.width()), double(size.height())});
    if (m_window->m_fitPending) {
      m_window->applyFit();
    }
  }

  void releaseResources() override {
    // The device goes away: keep the field so new resources can upload it again.
    HeatmapWindow::State& s = *m_window->m_state;
    m_failed = false;
    if (m_heatmap && !s.fieldPending) {
      s.pendingField = m_heatmap->sharedField();
      s.fieldPending = true;
    }
    m_overlay.reset();
    m_heatmap.reset();
  }

  void startNextFrame() override {
    const auto start = std::chrono::steady_clock::now();
    VkCommandBuffer cmd = m_window->currentCommandBuffer();
    if (!m_failed) {
      try {
        applyPendingState();
        m_heatmap->recordUploads(cmd, uint32_t(m_window->currentFrame()));
      } catch (const std::exception& e) {
        fail(e);
      }
    }

    const QSize size = m_window->swapChainImageSize();
    VkClearValue clear[3]{};
    clear[0].color = {{kBackgroundColour.r / 255.0f, kBackgroundColour.g / 255.0f,
                       kBackgroundColour.b / 255.0f, 1.0f}};
    clear[1].depthStencil = {1.0f, 0};
    clear[2].color = clear[0].color;
    VkRenderPassBeginInfo rp{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    rp.renderPass = m_window->defaultRenderPass();
    rp.framebuffer = m_window->currentFramebuffer();
    rp.renderArea = {{0, 0}, {uint32_t(size.width()), uint32_t(size.height())}};
    // Colour + depth-stencil, plus the resolve target when multisampled.
    rp.clearValueCount = m_window->sampleCountFlagBits() > VK_SAMPLE_COUNT_1_BIT ? 3 : 2;
    rp.pClearValues = clear;
    // Qt builds without Vulkan prototypes (VK_NO_PROTOTYPES): use its dispatch table.
    QVulkanDeviceFunctions* df = m_window->vulkanInstance()->deviceFunctions(m_window->device());
    df->vkCmdBeginRenderPass(cmd, &rp, VK_SUBPASS_CONTENTS_INLINE);
    if (!m_failed) {
      try {
        recordDraw(cmd);
      } catch (const std::exception& e) {
        fail(e);
      }
    }
    df->vkCmdEndRenderPass(cmd);
    m_window->frameReady();

    HeatmapWindow::State& s = *m_window->m_state;
    s.lastFrameMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    emit m_window->frameRendered(s.lastFrameMs);
  }

private:
  void applyPendingState() {
    HeatmapWindow::State& s = *m_window->m_state;
    if (s.styleDirty) {
      m_heatmap->setStyle(s.style); // validated by HeatmapWindow::setStyle
      s.styleDirty = false;
    }
    if (s.fieldPending) {
      m_heatmap->setField(std::move(s.pendingField)); // validated by HeatmapWindow::setField
      s.pendingField.reset();
      s.fieldPending = false;
    }
  }

  void recordDraw(VkCommandBuffer cmd) {
    HeatmapWindow::State& s = *m_window->m_state;
    const Camera& camera = m_window->m_camera;
    m_heatmap->recordDraw(cmd, camera);
    const Field& field = m_heatmap->field();
    OverlayFrame frame;
    frame.field = &field;
    frame.overlays = &s.overlays;
    frame.style = &m_heatmap->style();
    frame.range = &m_heatmap->range();
    frame.camera = &camera;
    if (s.hovered && uint32_t(s.hovered->x) < field.width &&
        uint32_t(s.hovered->y) < field.height) {
      frame.hoveredCell = s.hovered;
      if (s.inspectorText) {
        frame.inspectorText = s.inspectorText(s.hovered->x, s.hovered->y);
      }
    }
    frame.frameMs = s.lastFrameMs;
    m_overlay->setInput(s.input);
    s.input.wheel = 0.0f;
    m_overlay->build(frame);
    m_overlay->recordDraw(cmd);
  }

  // A Vulkan failure inside Qt's render callbacks cannot propagate: report it
  // once and keep presenting background-only frames. The renderers live on
  // until releaseResources: this frame's commands may still use them.
  void fail(const std::exception& e) {
    m_failed = true;
    emit m_window->renderingFailed(QString::fromStdString(e.what()));
  }

  HeatmapWindow* m_window;
  std::unique_ptr<HeatmapRenderer> m_heatmap;
  std::unique_ptr<HeatmapOverlay> m_overlay;
  bool m_failed = false;
};

HeatmapWindow::HeatmapWindow() : m_state(std::make_unique<State>()) {
  // UNORM swapchains so the LUT's sRGB bytes reach the screen unchanged.
  setPreferredColorFormats({VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM});
}

HeatmapWindow::~HeatmapWindow() = default;

QVulkanWindowRenderer* HeatmapWindow::createRenderer() {
  m_renderer = new HeatmapWindowRenderer(this);
  return m_renderer;
}

void HeatmapWindow::setField(Field field) {
  setField(std::make_shared<const Field>(std::move(field)));
}

void HeatmapWindow::setField(std::shared_ptr<const Field> field) {
  validateField(*field);
  if (field->width != m_state->fieldWidth || field->height != m_state->fieldHeight) {
    m_fitPending = true; // a new shape (another chip): open on its home rectangle
    m_fitWhole = false;
  }
  m_state->fieldWidth = field->width;
  m_state->fieldHeight = field->height;
  m_state->pendingField = std::move(field);
  m_state->fieldPending = true;
  if (m_fitPending && !swapChainImageSize().isEmpty()) {
    applyFit();
  }
  requestUpdate();
}

void HeatmapWindow::setOverlays(FieldOverlays overlays) {
  m_state->overlays = std::move(overlays);
  requestUpdate();
}

void HeatmapWindow::setStyle(HeatmapStyle style) {
  resolveRange(style.range, Field{}); // throws for a bad fixed range, on the caller's thread
  m_state->style = std::move(style);
  m_state->styleDirty = true;
  requestUpdate();
}

void HeatmapWindow::setInspectorText(InspectorText text) {
  m_state->inspectorText = std::move(text);
  requestUpdate();
}

void HeatmapWindow::setHomeRect(std::optional<CellRect> rect) {
  m_state->homeRect = rect;
}

void HeatmapWindow::fitToView() {
  m_fitPending = true;
  m_fitWhole = false;
  if (!swapChainImageSize().isEmpty()) {
    applyFit();
  }
  requestUpdate();
}

void HeatmapWindow::showWholeField() {
  m_fitPending = true;
  m_fitWhole = true;
  if (!swapChainImageSize().isEmpty()) {
    applyFit();
  }
  requestUpdate();
}

void HeatmapWindow::applyFit() {
  const std::optional<CellRect>& home = m_state->homeRect;
  if (home && !m_fitWhole && home->w > 0 && home->h > 0) {
    HeatmapOverlay::fitCamera(m_camera, *home, m_state->style);
  } else {
    HeatmapOverlay::fitCamera(m_camera, m_state->fieldWidth, m_state->fieldHeight, m_state->style);
  }
  m_fitPending = false;
  m_fitWhole = false;
}

void HeatmapWindow::setCamera(const Camera& camera) {
  const glm::dvec2 viewport = m_camera.viewport();
  m_camera = camera;
  m_camera.setViewport(viewport);
  m_fitPending = false;
  requestUpdate();
}

QImage HeatmapWindow::grabFrame() {
  QImage image = grab();
  const VkFormat format = colorFormat();
  if (format == VK_FORMAT_B8G8R8A8_UNORM || format == VK_FORMAT_B8G8R8A8_SRGB) {
    image = image.rgbSwapped(); // grab() copies the BGRA swapchain bytes as RGBA
  }
  return image;
}

uint32_t HeatmapWindow::validationMessageCount() {
  return g_validationMessages.load();
}

glm::dvec2 HeatmapWindow::toPixels(QPointF logical) const {
  return glm::dvec2(logical.x(), logical.y()) * devicePixelRatio();
}

void HeatmapWindow::updateHover(glm::dvec2 px) {
  m_state->input.mousePx = px;
  const auto cell = m_camera.pickCell(px, m_state->fieldWidth, m_state->fieldHeight);
  if (cell != m_state->hovered) {
    m_state->hovered = cell;
    if (cell) {
      emit cellHovered(cell->x, cell->y);
    }
  }
  requestUpdate();
}

void HeatmapWindow::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) {
    m_state->dragging = true;
    m_state->dragMoved = false;
    m_state->dragStart = event->position();
    m_state->lastMouse = event->position();
    m_state->input.mouseDown[0] = true;
  }
}

void HeatmapWindow::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) {
    return;
  }
  m_state->input.mouseDown[0] = false;
  if (m_state->dragging && !m_state->dragMoved) {
    const auto cell =
        m_camera.pickCell(toPixels(event->position()), m_state->fieldWidth, m_state->fieldHeight);
    if (cell) {
      emit cellClicked(cell->x, cell->y);
    }
  }
  m_state->dragging = false;
  requestUpdate();
}

void HeatmapWindow::mouseMoveEvent(QMouseEvent* event) {
  const QPointF pos = event->position();
  if (m_state->dragging) {
    const QPointF total = pos - m_state->dragStart;
    if (std::hypot(total.x(), total.y()) > kDragThresholdPx) {
      m_state->dragMoved = true;
    }
    if (m_state->dragMoved) {
      m_camera.panByPixels(toPixels(pos) - toPixels(m_state->lastMouse));
    }
    m_state->lastMouse = pos;
  }
  updateHover(toPixels(pos));
}

void HeatmapWindow::wheelEvent(QWheelEvent* event) {
  // angleDelta is in eighths of a degree; one notch is 120.
  const double notches = event->angleDelta().y() / 120.0;
  m_camera.zoomAt(toPixels(event->position()), std::pow(kWheelStep, notches));
  m_state->input.wheel += float(notches);
  updateHover(toPixels(event->position()));
}

void HeatmapWindow::keyPressEvent(QKeyEvent* event) {
  const glm::dvec2 vp = m_camera.viewport();
  switch (event->key()) {
  case Qt::Key_F:
    fitToView();
    return;
  case Qt::Key_W:
    showWholeField();
    return;
  case Qt::Key_Plus:
  case Qt::Key_Equal:
    m_camera.zoomAt(vp * 0.5, kWheelStep);
    break;
  case Qt::Key_Minus:
    m_camera.zoomAt(vp * 0.5, 1.0 / kWheelStep);
    break;
  case Qt::Key_Left:
    m_camera.panByPixels({vp.x * kKeyPanFraction, 0.0});
    break;
  case Qt::Key_Right:
    m_camera.panByPixels({-vp.x * kKeyPanFraction, 0.0});
    break;
  case Qt::Key_Up:
    m_camera.panByPixels({0.0, vp.y * kKeyPanFraction});
    break;
  case Qt::Key_Down:
    m_camera.panByPixels({0.0, -vp.y * kKeyPanFraction});
    break;
  default:
    QVulkanWindow::keyPressEvent(event);
    return;
  }
  requestUpdate();
}

void HeatmapWindow::resizeEvent(QResizeEvent* event) {
  QVulkanWindow::resizeEvent(event);
  requestUpdate();
}

bool HeatmapWindow::event(QEvent* event) {
  if (event->type() == QEvent::Leave) {
    // The pointer left: no inspector, and ImGui sees no mouse.
    m_state->hovered.reset();
    m_state->input.mousePx = {-1.0, -1.0};
    requestUpdate();
  }
  return QVulkanWindow::event(event);
}

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
  if (validationRequested()) {
    if (!m_instance.supportedLayers().contains(kValidationLayer)) {
      throw VulkanError(fmt::format("Vulkan: WS_VULKAN_VALIDATION=1 but {} is not installed "
                                    "(apt install vulkan-validationlayers)",
                                    kValidationLayer));
    }
    m_instance.setLayers({kValidationLayer});
    m_instance.installDebugOutputFilter(&countValidationMessage);
  }
  m_instance.setApiVersion(QVersionNumber(1, 1)); // the shaders are SPIR-V for Vulkan 1.1
  if (!m_instance.create()) {
    throw VulkanError(
        fmt::format("Vulkan: cannot create an instance ({}); install a Vulkan driver (e.g. "
                    "mesa-vulkan-drivers) or check VK_DRIVER_FILES",
                    vkResultName(m_instance.errorCode())));
  }
  uint32_t devices = 0;
  m_instance.functions()->vkEnumeratePhysicalDevices(m_instance.vkInstance(), &devices, nullptr);
  if (devices == 0) {
    throw VulkanError("Vulkan: no device found; install a Vulkan driver (e.g. "
                      "mesa-vulkan-drivers) or check VK_DRIVER_FILES");
  }
  m_window = new HeatmapWindow;
  m_window->setVulkanInstance(&m_instance);
  m_container = QWidget::createWindowContainer(m_window, this);
  m_container->setFocusPolicy(Qt::StrongFocus);
  m_container->setMinimumSize(64, 64);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_container);
  connect(m_window, &HeatmapWindow::cellHovered, this, &HeatmapView::cellHovered);
  connect(m_window, &HeatmapWindow::cellClicked, this, &HeatmapView::cellClicked);
  connect(m_window, &HeatmapWindow::frameRendered, this, &HeatmapView::frameRendered);
  connect(m_window, &HeatmapWindow::renderingFailed, this, &HeatmapView::renderingFailed);
}

HeatmapView::~HeatmapView() {
  // The window (owned by the container) must go before the instance it uses.
  delete m_container;
}

} // namespace ws::render
