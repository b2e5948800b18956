#!/bin/bash
# Wheels of the app's dependencies for the image's Python, built once and cached.
# Some dependencies publish no wheel for sid's Python (pocketsphinx 5.1.1 has none for 3.14): pip
# would compile them inside the image, which has no compiler (and should not ship one). So they are
# built here, in a throwaway overlay on the base root with gcc and the Python headers, and the
# image's pip finds them (PIP_FIND_LINKS). Cached in $CACHE/image-wheels-<base root>; rebuilt when
# this script or setup.cfg changes. Prints the wheel folder on its last line.
# usage: build-wheels.sh BASE_ROOT APP_WHEEL
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
BASE=$1 APP_WHEEL=$2
CACHE=${CENTRALINA_ENGINE_CACHE:-/var/cache/centralina}
OUT=$CACHE/image-wheels-$(basename "$BASE" | sed 's/^image-base-//')
KEY=$(cat "$0" "$HERE/../setup.cfg" | sha256sum | cut -c1-12)
if [ "$(cat "$OUT/.key" 2>/dev/null)" = "$KEY" ]; then echo "$OUT"; exit 0; fi

. "$HERE/overlay-root.sh"
mkdir -p "$OUT" "$CACHE/image-pip" "$CACHE/apt-archives"
overlay_root "$BASE" wheel-build
mkdir -p "$R/wheels" "$R/var/cache/centralina-pip" "$R/var/cache/apt/archives"
mount --bind "$OUT" "$R/wheels"
mount --bind "$CACHE/image-pip" "$R/var/cache/centralina-pip"
mount --bind "$CACHE/apt-archives" "$R/var/cache/apt/archives"
cp "$APP_WHEEL" "$R/var/tmp/"
# The tree's commands get a clean environment, not the controller's (its PIP_*, SSL_CERT_FILE paths).
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }

# The snapshot mirror's Release is past its date: the override is given on this command line only.
in_root apt-get -q -o Acquire::Check-Valid-Until=false update >&2
in_root DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  gcc libc6-dev python3-dev >&2
in_root python3 -m venv /var/tmp/wheel-venv >&2
# Every dependency as a wheel (downloaded where one exists, built where not): the image then
# installs from this folder without compiling.
in_root PIP_CACHE_DIR=/var/cache/centralina-pip PIP_CERT=/var/tmp/build-ca.crt \
  PIP_DISABLE_PIP_VERSION_CHECK=1 /var/tmp/wheel-venv/bin/pip wheel -q --prefer-binary -w /wheels \
  "/var/tmp/$(basename "$APP_WHEEL")" >&2
rm -f "$OUT"/centralina-*.whl   # the app's own wheel comes fresh with every build
echo "$KEY" > "$OUT/.key"
echo "$OUT"
