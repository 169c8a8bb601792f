#!/usr/bin/env bash
# Installs the Ollama engine that Doppel drives.
#
# An `ollama` already on PATH (or $DOPPEL_OLLAMA) is used as is. Otherwise the
# pinned version is built from its Go module (the model hub and GitHub release
# downloads are not reachable here, the Go module proxy is) and cached by
# version under $DOPPEL_CACHE (default ~/.cache/doppel), so only the first run
# pays the ~12 minute build. The binary path is printed on stdout.
#
# Why the include dir: the module zip lacks llama.cpp's vendored headers
# (nlohmann/json, stb_image, miniaudio); we take them from Debian packages and
# from the malgo Go module. Nothing is installed system-wide.
set -euo pipefail

OLLAMA_VERSION="${OLLAMA_VERSION:-0.17.4}"
MALGO_VERSION="v0.11.24"
CACHE="${DOPPEL_CACHE:-$HOME/.cache/doppel}"
# The Go build compiles ggml's CPU kernels with the C compiler's defaults
# (generic x86-64: no AVX), which makes models 5-10x slower. When this CPU
# has AVX2/FMA/F16C, build for x86-64-v3 instead; the variant is part of the
# cache key, so a machine without them builds (and uses) the generic one.
VARIANT=generic
CFLAGS_EXTRA=""
if [[ "$(uname -m)" == x86_64 ]] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && grep -qw f16c /proc/cpuinfo; then
  VARIANT=x86-64-v3
  CFLAGS_EXTRA="-march=x86-64-v3"
fi
DEST="$CACHE/ollama-$OLLAMA_VERSION-$VARIANT"
BIN="$DEST/bin/ollama"

log() { echo "install-ollama: $*" >&2; }

if [[ -n "${DOPPEL_OLLAMA:-}" && -x "${DOPPEL_OLLAMA}" ]]; then
  echo "$DOPPEL_OLLAMA"; exit 0
fi
if [[ -x "$BIN" ]]; then
  echo "$BIN"; exit 0
fi
if [[ "${DOPPEL_BUILD_OLLAMA:-0}" != "1" ]] && command -v ollama >/dev/null 2>&1; then
  command -v ollama; exit 0
fi

log "building ollama $OLLAMA_VERSION ($VARIANT) from its Go module (one-time, ~12 min on 2 cores)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
inc="$work/include"
mkdir -p "$inc/stb" "$inc/miniaudio" "$work/deb"

( cd "$work/deb" && apt-get download nlohmann-json3-dev libstb-dev >/dev/null )
for d in "$work"/deb/*.deb; do dpkg -x "$d" "$work/root"; done
cp -r "$work/root/usr/include/nlohmann" "$inc/"
cp "$work/root/usr/include/stb/stb_image.h" "$inc/stb/stb_image.h"

malgo_dir="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/gen2brain/malgo@$MALGO_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
cp "$malgo_dir/miniaudio.h" "$inc/miniaudio/miniaudio.h"

mkdir -p "$DEST/bin"
GOBIN="$DEST/bin" CGO_ENABLED=1 CGO_CPPFLAGS="-I$inc" \
  CGO_CFLAGS="-O3 $CFLAGS_EXTRA" CGO_CXXFLAGS="-O3 $CFLAGS_EXTRA" \
  go install -ldflags="-s -w -X=github.com/ollama/ollama/version.Version=$OLLAMA_VERSION" \
  "github.com/ollama/ollama@v$OLLAMA_VERSION"
log "built $BIN"
echo "$BIN"
