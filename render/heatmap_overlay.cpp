#include "render/heatmap_overlay.h"

#include "render/colormap.h"
#include "render/vulkan_error.h"

#include <fmt/format.h>
#include <imgui.h>
#include <imgui_impl_vulkan.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace ws::render {
namespace {

constexpr float kPad = 6.0f;
constexpr float kLegendBarHeight = 10.0f;
constexpr int kLegendSegments = 64;

// ImGui's current context is one process-wide pointer: every overlay call
// takes this lock, so a PNG export on a worker thread can run beside the
// window's rendering on the UI thread.
std::recursive_mutex& imguiMutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

// Makes one overlay's ImGui context current for a scope.
class ContextScope {
public:
  explicit ContextScope(ImGuiContext* context)
      : m_lock(imguiMutex()), m_previous(ImGui::GetCurrentContext()) {
    ImGui::SetCurrentContext(context);
  }
  ~ContextScope() { ImGui::SetCurrentContext(m_previous); }
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

private:
  std::lock_guard<std::recursive_mutex> m_lock;
  ImGuiContext* m_previous;
};

void checkImGuiVk(VkResult result) {
  if (result < 0) {
    throw VulkanError(fmt::format("Vulkan: ImGui renderer call failed ({})", vkResultName(result)));
  }
}

ImU32 toImU32(Rgba8 c) {
  return IM_COL32(c.r, c.g, c.b, c.a);
}
ImU32 toImU32(const glm::vec4& c) {
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c.r, c.g, c.b, c.a));
}
ImVec2 toImVec(glm::dvec2 p) {
  return ImVec2(float(p.x), float(p.y));
}
// Centre of the pixel containing p, so 1-pixel lines are crisp.
float pixelCentre(double v) {
  return float(std::floor(v) + 0.5);
}

std::string formatValue(float v, float scale) {
  if (std::isnan(v)) {
    return "no data";
  }
  return fmt::format("{:.4g}", v * scale);
}

void drawDieGrid(ImDrawList* dl, const Field& field, const DieGrid& dies, const Camera& cam) {
  if (dies.cols == 0 || dies.rows == 0) {
    return;
  }
  // A light line on a dark halo stays visible on every colormap.
  const ImU32 halo = IM_COL32(0, 0, 0, 110);
  const ImU32 line = IM_COL32(255, 255, 255, 190);
  const glm::dvec2 lo = cam.cellToScreen({0.0, 0.0});
  const glm::dvec2 hi = cam.cellToScreen({double(field.width), double(field.height)});
  for (ImU32 colour : {halo, line}) {
    const float thickness = colour == halo ? 3.0f : 1.0f;
    for (uint32_t i = 0; i <= dies.cols; ++i) {
      const float x = pixelCentre(cam.cellToScreen({double(field.width) * i / dies.cols, 0.0}).x);
      dl->AddLine(ImVec2(x, float(lo.y)), ImVec2(x, float(hi.y)), colour, thickness);
    }
    for (uint32_t j = 0; j <= dies.rows; ++j) {
      const float y = pixelCentre(cam.cellToScreen({0.0, double(field.height) * j / dies.rows}).y);
      dl->AddLine(ImVec2(float(lo.x), y), ImVec2(float(hi.x), y), colour, thickness);
    }
  }
}

void drawShadowedText(ImDrawList* dl, ImVec2 pos, ImU32 colour, const std::string& text) {
  dl->AddText(ImVec2(pos.x + 1.0f, pos.y + 1.0f), IM_COL32(0, 0, 0, 220), text.c_str());
  dl->AddText(pos, colour, text.c_str());
}

void drawRegions(ImDrawList* dl, const std::vector<RegionOutline>& regions, const Camera& cam) {
  const float fontSize = ImGui::GetFontSize();
  for (const RegionOutline& r : regions) {
    const glm::dvec2 a = cam.cellToScreen({double(r.rect.x), double(r.rect.y)});
    const glm::dvec2 b =
        cam.cellToScreen({double(r.rect.x) + r.rect.w, double(r.rect.y) + r.rect.h});
    const float thickness = r.highlighted ? 3.0f : 1.5f;
    const ImU32 colour = toImU32(r.colour);
    dl->AddRect(toImVec(a), toImVec(b), colour, 0.0f, 0, thickness);
    // The label only where the region is tall enough to hold it, clipped to it.
    if (!r.label.empty() && b.y - a.y >= fontSize + 4.0 && b.x - a.x >= 3.0 * fontSize) {
      dl->PushClipRect(toImVec(a), toImVec(b), true);
      const ImVec2 pos(float(a.x) + 4.0f, float(a.y) + 3.0f);
      if (r.highlighted) {
        const ImVec2 size = ImGui::CalcTextSize(r.label.c_str());
        dl->AddRectFilled(ImVec2(pos.x - 2.0f, pos.y - 1.0f),
                          ImVec2(pos.x + size.x + 2.0f, pos.y + size.y + 1.0f),
                          IM_COL32(0, 0, 0, 170));
      }
      drawShadowedText(dl, pos, colour, r.label);
      dl->PopClipRect();
    }
  }
}

void drawSelection(ImDrawList* dl, const CellRect& sel, const Camera& cam) {
  const glm::dvec2 a = cam.cellToScreen({double(sel.x), double(sel.y)});
  const glm::dvec2 b = cam.cellToScreen({double(sel.x) + sel.w, double(sel.y) + sel.h});
  dl->AddRectFilled(toImVec(a), toImVec(b), IM_COL32(255, 255, 255, 40));
  dl->AddRect(toImVec(a), toImVec(b), IM_COL32(0, 0, 0, 200), 0.0f, 0, 4.0f);
  dl->AddRect(toImVec(a), toImVec(b), IM_COL32(255, 255, 255, 255), 0.0f, 0, 2.0f);
}

// A panel of text lines with a translucent background; returns its size.
ImVec2 drawTextPanel(ImDrawList* dl, ImVec2 anchor, bool alignRight, const std::string& text) {
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  const ImVec2 panel(size.x + 2.0f * kPad, size.y + 2.0f * kPad);
  const ImVec2 min(alignRight ? anchor.x - panel.x : anchor.x, anchor.y);
  dl->AddRectFilled(min, ImVec2(min.x + panel.x, min.y + panel.y), IM_COL32(12, 12, 16, 210), 3.0f);
  dl->AddText(ImVec2(min.x + kPad, min.y + kPad), IM_COL32(235, 235, 235, 255), text.c_str());
  return panel;
}

void drawLegend(ImDrawList* dl, const HeatmapStyle& style, const ResolvedRange& range,
                ImVec2 display) {
  const float height = float(HeatmapOverlay::legendHeight(style));
  const float top = display.y - height;
  dl->AddRectFilled(ImVec2(0.0f, top), display, IM_COL32(12, 12, 16, 255));
  const float x0 = kPad + 2.0f;
  const float x1 = display.x - kPad - 2.0f;
  const float barTop = top + kPad;
  const ColormapLut lut = colormapLut(style.colormap);
  for (int i = 0; i < kLegendSegments; ++i) {
    const float a = x0 + (x1 - x0) * float(i) / kLegendSegments;
    const float b = x0 + (x1 - x0) * float(i + 1) / kLegendSegments;
    const size_t ia = size_t(i) * (kColormapLutSize - 1) / kLegendSegments;
    const size_t ib = size_t(i + 1) * (kColormapLutSize - 1) / kLegendSegments;
    dl->AddRectFilledMultiColor(ImVec2(a, barTop), ImVec2(b, barTop + kLegendBarHeight),
                                toImU32(lut[ia]), toImU32(lut[ib]), toImU32(lut[ib]),
                                toImU32(lut[ia]));
  }
  const float textY = barTop + kLegendBarHeight + 2.0f;
  const ImU32 textColour = IM_COL32(235, 235, 235, 255);
  if (!range.valid) {
    dl->AddText(ImVec2(x0, textY), textColour, "no data");
    return;
  }
  const std::string lo = formatValue(range.min, style.displayScale);
  const std::string hi = formatValue(range.max, style.displayScale);
  dl->AddText(ImVec2(x0, textY), textColour, lo.c_str());
  dl->AddText(ImVec2(x1 - ImGui::CalcTextSize(hi.c_str()).x, textY), textColour, hi.c_str());
  std::string middle = style.units;
  const float swatch = ImGui::GetFontSize() - 3.0f;
  const float middleWidth = ImGui::CalcTextSize(middle.c_str()).x;
  const float noDataWidth = range.hasNoData ? swatch + 4.0f + ImGui::CalcTextSize("no data").x : 0;
  const float gap = (!middle.empty() && range.hasNoData) ? 12.0f : 0.0f;
  float x = (x0 + x1 - middleWidth - gap - noDataWidth) * 0.5f;
  if (!middle.empty()) {
    dl->AddText(ImVec2(x, textY), textColour, middle.c_str());
    x += middleWidth + gap;
  }
  if (range.hasNoData) {
    dl->AddRectFilled(ImVec2(x, textY + 2.0f), ImVec2(x + swatch, textY + 2.0f + swatch),
                      toImU32(kNoDataColour));
    dl->AddText(ImVec2(x + swatch + 4.0f, textY), textColour, "no data");
  }
}

std::string inspectorLines(const OverlayFrame& f) {
  const glm::ivec2 c = *f.hoveredCell;
  const float v = f.field->at(uint32_t(c.x), uint32_t(c.y));
  std::string text =
      fmt::format("cell x {}, y {}\nvalue {}", c.x, c.y, formatValue(v, f.style->displayScale));
  if (!std::isnan(v) && !f.style->units.empty()) {
    text += " " + f.style->units;
  }
  if (!f.inspectorText.empty()) {
    text += "\n" + f.inspectorText;
  }
  return text;
}

} // namespace

double HeatmapOverlay::legendHeight(const HeatmapStyle& style) {
  // Bar, a line of 13-pixel ImGui default text, and padding.
  return style.showLegend ? double(2.0f * kPad + kLegendBarHeight + 2.0f + 13.0f) : 0.0;
}

void HeatmapOverlay::fitCamera(Camera& camera, uint32_t fieldWidth, uint32_t fieldHeight,
                               const HeatmapStyle& style) {
  fitCamera(camera, CellRect{0, 0, fieldWidth, fieldHeight}, style);
}

void HeatmapOverlay::fitCamera(Camera& camera, const CellRect& rect, const HeatmapStyle& style) {
  const double margin = 4.0;
  camera.fitCellsToRect(glm::dvec2(rect.x, rect.y), glm::dvec2(rect.x + rect.w, rect.y + rect.h),
                        glm::dvec2(margin),
                        camera.viewport() - glm::dvec2(margin, margin + legendHeight(style)));
}

HeatmapOverlay::HeatmapOverlay(const VulkanDevice& device, VkRenderPass renderPass,
                               uint32_t imageCount)
    : m_device(device.device) {
  {
    std::lock_guard lock(imguiMutex());
    IMGUI_CHECKVERSION();
    ImGuiContext* previous = ImGui::GetCurrentContext();
    m_context = ImGui::CreateContext();
    ImGui::SetCurrentContext(previous);
  }
  try {
    ContextScope scope(m_context);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // no imgui.ini beside the user's files
    io.LogFilename = nullptr;
    ImGui::StyleColorsDark();

    VkDescriptorPoolSize poolSize{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 1};
    VkDescriptorPoolCreateInfo poolInfo{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    poolInfo.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
    poolInfo.maxSets = 1; // the font atlas
    poolInfo.poolSizeCount = 1;
    poolInfo.pPoolSizes = &poolSize;
    checkVk(vkCreateDescriptorPool(m_device, &poolInfo, nullptr, &m_descriptorPool),
            "vkCreateDescriptorPool");

    ImGui_ImplVulkan_InitInfo info{};
    info.Instance = device.instance;
    info.PhysicalDevice = device.physicalDevice;
    info.Device = device.device;
    info.QueueFamily = device.queueFamily;
    info.Queue = device.queue;
    info.DescriptorPool = m_descriptorPool;
    info.Subpass = 0;
    info.MinImageCount = std::max(imageCount, 2u);
    info.ImageCount = std::max(imageCount, 2u);
    info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
    info.CheckVkResultFn = checkImGuiVk;
    if (!ImGui_ImplVulkan_Init(&info, renderPass)) {
      throw VulkanError("Vulkan: cannot initialise the ImGui renderer");
    }
    m_backendReady = true;
    submitOnce(device, [](VkCommandBuffer cmd) { ImGui_ImplVulkan_CreateFontsTexture(cmd); });
    ImGui_ImplVulkan_DestroyFontUploadObjects();
  } catch (...) {
    release();
    throw;
  }
}

HeatmapOverlay::~HeatmapOverlay() {
  release();
}

void HeatmapOverlay::release() {
  if (m_context != nullptr) {
    ContextScope scope(m_context);
    if (m_backendReady) {
      ImGui_ImplVulkan_Shutdown();
      m_backendReady = false;
    }
  }
  if (m_context != nullptr) {
    std::lock_guard lock(imguiMutex());
    ImGui::DestroyContext(m_context);
    m_context = nullptr;
  }
  if (m_descriptorPool != VK_NULL_HANDLE) {
    vkDestroyDescriptorPool(m_device, m_descriptorPool, nullptr);
    m_descriptorPool = VK_NULL_HANDLE;
  }
}

void HeatmapOverlay::setInput(const OverlayInput& input) {
  ContextScope scope(m_context);
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(float(input.mousePx.x), float(input.mousePx.y));
  for (int i = 0; i < 3; ++i) {
    io.MouseDown[i] = input.mouseDown[i];
  }
  io.MouseWheel += input.wheel;
}

void HeatmapOverlay::build(const OverlayFrame& f) {
  ContextScope scope(m_context);
  ImGuiIO& io = ImGui::GetIO();
  const glm::dvec2 vp = f.camera->viewport();
  io.DisplaySize = ImVec2(float(vp.x), float(vp.y));
  io.DeltaTime = f.frameMs > 0.0 ? float(f.frameMs / 1000.0) : 1.0f / 60.0f;
  ImGui_ImplVulkan_NewFrame();
  ImGui::NewFrame();
  ImDrawList* dl = ImGui::GetBackgroundDrawList();
  if (!f.field->empty()) {
    drawDieGrid(dl, *f.field, f.overlays->dies, *f.camera);
    drawRegions(dl, f.overlays->regions, *f.camera);
    if (f.overlays->selection) {
      drawSelection(dl, *f.overlays->selection, *f.camera);
    }
  }
  if (f.hoveredCell && !f.field->empty() && f.camera->zoom() >= 4.0) {
    // Outline the inspected cell once cells are big enough to point at.
    const glm::dvec2 a = f.camera->cellToScreen(glm::dvec2(*f.hoveredCell));
    const glm::dvec2 b = f.camera->cellToScreen(glm::dvec2(*f.hoveredCell) + 1.0);
    dl->AddRect(toImVec(a), toImVec(b), IM_COL32(255, 255, 255, 230), 0.0f, 0, 1.5f);
  }
  float y = kPad;
  if (!f.style->title.empty()) {
    y += drawTextPanel(dl, ImVec2(kPad, y), false, f.style->title).y + kPad;
  }
  if (f.frameMs >= 0.0) {
    drawTextPanel(dl, ImVec2(kPad, y), false, fmt::format("frame {:.2f} ms", f.frameMs));
  }
  if (f.hoveredCell && !f.field->empty()) {
    drawTextPanel(dl, ImVec2(io.DisplaySize.x - kPad, kPad), true, inspectorLines(f));
  }
  if (f.style->showLegend) {
    drawLegend(dl, *f.style, *f.range, io.DisplaySize);
  }
  ImGui::Render();
}

void HeatmapOverlay::recordDraw(VkCommandBuffer cmd) {
  ContextScope scope(m_context);
  ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), cmd);
}

} // namespace ws::render
