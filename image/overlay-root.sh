# Sourced by the image scripts that need a throwaway root: an overlay on a cached base root, with
# /proc, /sys and /dev, the host's resolver and CA bundle, undone whatever way the script exits.
# usage: . overlay-root.sh; overlay_root BASE_ROOT PREFIX   -> sets TMP (its work folder) and R (the root)
overlay_root() {
  TMP=$(mktemp -d "$CACHE/$2.XXXXXX")
  R=$TMP/root
  trap overlay_cleanup EXIT
  mkdir -p "$R" "$TMP/upper" "$TMP/ovl"
  mount -t overlay overlay -o "lowerdir=$1,upperdir=$TMP/upper,workdir=$TMP/ovl" "$R"
  for m in proc sys dev; do mount --bind "/$m" "$R/$m"; done
  rm -f "$R/etc/resolv.conf" && cp -L /etc/resolv.conf "$R/etc/resolv.conf"
  cp -L /etc/ssl/certs/ca-certificates.crt "$R/var/tmp/build-ca.crt"
}

# Deepest mounts first; lazily, so a process the script left behind cannot keep the root busy.
overlay_cleanup() {
  for m in $(awk -v r="$R" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m"; done
  rm -rf "$TMP"
}
