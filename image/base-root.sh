#!/bin/bash
# Build (once) the image's base root: Debian sid with the kernel, both bootloaders, the engine
# and the app's system packages (image/packages.txt). Cached under $CACHE/image-base-<hash of
# this script and the package list>; .deb files are kept in $CACHE/apt-archives between builds,
# so a changed list downloads only what is new. Prints the cached root's path on its last line.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
CACHE=${CENTRALINA_ENGINE_CACHE:-/var/cache/centralina}
KEY=$(cat "$0" "$HERE/packages.txt" | sha256sum | cut -c1-12)
ROOT=$CACHE/image-base-$KEY
if [ -e "$ROOT/.centralina-built" ]; then echo "$ROOT"; exit 0; fi
mkdir -p "$CACHE/apt-archives"
PKGS=$(grep -v '^\s*\(#\|$\)' "$HERE/packages.txt" | paste -sd,)
STAGING=$(mktemp -d "$ROOT.XXXXXX")
trap 'rm -rf "$STAGING"' EXIT
# The mirror's sid Release file is past its validity date: the option is given to mmdebstrap only
# and the file it leaves in the root is removed, so the image's apt keeps checking (notes/image.md).
mmdebstrap --variant=required --aptopt='Acquire::Check-Valid-Until "false"' \
  --include="$PKGS" \
  --skip=download/empty --skip=essential/unlink \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
  --setup-hook="sync-in $CACHE/apt-archives /var/cache/apt/archives/" \
  --customize-hook="sync-out /var/cache/apt/archives $CACHE/apt-archives" \
  --customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb "$1"/etc/apt/apt.conf.d/99mmdebstrap' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/*' \
  sid "$STAGING" http://deb.debian.org/debian >&2
grep -rl Check-Valid-Until "$STAGING/etc/apt" >&2 && { echo "a Check-Valid-Until override is left in the root" >&2; exit 1; }
touch "$STAGING/.centralina-built"
rm -rf "$ROOT"; mv "$STAGING" "$ROOT"; trap - EXIT
echo "$ROOT"
