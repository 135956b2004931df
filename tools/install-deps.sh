#!/usr/bin/env bash
# Installs, from Debian 12's own archive, exactly what Waferscope's build,
# tests and benchmarks need. Idempotent: when everything is present it only
# runs dpkg-query and exits. Works as root or through sudo; never prompts.
#   tools/install-deps.sh              build + tests + benchmarks
#   tools/install-deps.sh --training   also what tools/train-builtin-model.py needs
#   tools/install-deps.sh --libfuzzer  also clang and libFuzzer (CMake preset libfuzzer)
set -euo pipefail

packages=(
  # toolchain (g++ brings the ASan, UBSan and TSan runtimes); the format check
  g++ cmake ninja-build ccache pkg-config clang-format-14
  # core/ and sim/ and the CLI
  nlohmann-json3-dev libcli11-dev libfmt-dev
  # render/: Vulkan, shaders, ImGui, GLM, PNG writing
  libvulkan-dev glslc glslang-tools spirv-tools libimgui-dev libglm-dev libstb-dev
  # app/: Qt 6 Widgets + Charts and the xcb platform plugin
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev qt6-qpa-plugins libgl-dev fonts-dejavu-core
  # tests and benchmarks: GoogleTest, Google Benchmark, lavapipe, Xvfb
  libgtest-dev libgmock-dev libbenchmark-dev
  mesa-vulkan-drivers vulkan-validationlayers xvfb xauth
  python3 # the CLI tests compare JSON output with it
  slurm-wlm munge # the sweep tests start a real single-node Slurm cluster
  # packaging
  dpkg-dev file
)
if [[ "${1:-}" == "--libfuzzer" ]]; then
  packages+=(clang-14 libclang-rt-14-dev) # -fsanitize=fuzzer links its libclang_rt.fuzzer
fi
if [[ "${1:-}" == "--training" ]]; then
  # OpenBLAS: through Debian's alternatives it replaces the reference BLAS that
  # python3-torch otherwise uses for matrix products (about 10x slower).
  packages+=(python3-torch python3-numpy python3-sentencepiece libopenblas0-pthread)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and sudo is missing; install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
