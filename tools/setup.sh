#!/usr/bin/env bash
# setup.sh: installs what hierlearn needs on Debian 12, idempotently.
#
#   tools/setup.sh          everything the tests need (make test)
#   tools/setup.sh --demo   only what the demo needs (make demo): OpenBLAS
#                           and onnxruntime-node
#
# Debian packages are installed with apt-get (through sudo when not root),
# onnxruntime-node from tools/node/package-lock.json with npm ci and
# ONNXRUNTIME_NODE_INSTALL=skip (its install script would try to download
# CUDA parts). What is already there is left alone. At the end it says
# what it could not install and exits non-zero if anything is missing.
set -u
cd "$(dirname "$0")/.."

mode=full
[ "${1:-}" = "--demo" ] && mode=demo

demo_pkgs=(libopenblas-dev)
test_pkgs=(libopenblas-dev python3-numpy python3-torch python3-torchvision python3-onnx
  python3-sklearn python3-scipy libonnx-testdata dataset-fashion-mnist protobuf-compiler)
if [ "$mode" = demo ]; then pkgs=("${demo_pkgs[@]}"); else pkgs=("${test_pkgs[@]}"); fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: not root and no sudo; install as root: apt-get install ${pkgs[*]}" >&2
  fi
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# qemu-user: make test runs the arm64 (neon) kernels under qemu-aarch64;
# either Debian package provides it.
if [ "$mode" = full ] && ! command -v qemu-aarch64-static >/dev/null && ! command -v qemu-aarch64 >/dev/null; then
  missing+=(qemu-user-static)
fi

failed=()
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || echo "setup: apt-get update failed" >&2
  if ! $SUDO apt-get install -y -qq "${missing[@]}" >/tmp/hierlearn-setup-apt.log 2>&1; then
    # Retry one by one so that one missing package does not block the rest.
    for p in "${missing[@]}"; do
      $SUDO apt-get install -y -qq "$p" >>/tmp/hierlearn-setup-apt.log 2>&1 || failed+=("$p")
    done
  fi
fi

# onnxruntime-node: the tests' reference runtime, and the demo validates
# its exported model against it.
if true; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    failed+=("node/npm (apt-get install nodejs npm)")
  elif [ ! -d tools/node/node_modules/onnxruntime-node ]; then
    echo "setup: installing onnxruntime-node into tools/node"
    (cd tools/node && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --ignore-scripts >/tmp/hierlearn-setup-npm.log 2>&1) \
      || failed+=("onnxruntime-node (see /tmp/hierlearn-setup-npm.log)")
  fi
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "setup: could NOT install: ${failed[*]}" >&2
  echo "setup: tests that need them will fail under CI=true and skip otherwise" >&2
  exit 1
fi
echo "setup: everything for '$mode' is installed"
