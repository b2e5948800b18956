#!/bin/bash
# playbooks/install.yml (the role shared with the image) run twice against a throwaway root, not this
# host: an overlay on the image's cached base root, reached through the project's chroot_dir
# connection. The second run must report no change (idempotent). No systemd runs in a chroot, so
# the service starts, restarts and reloads are off (centralina_manage_services=false); everything
# else runs as on a host, apt index update included.
# usage (root): image/install-chroot-test.sh     Prints both PLAY RECAPs; exit 0 when run 2 changed nothing.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
REPO=$(dirname "$HERE")
CACHE=${CENTRALINA_ENGINE_CACHE:-/var/cache/centralina}
BASE=$("$HERE/base-root.sh" | tail -1)
. "$HERE/overlay-root.sh"
overlay_root "$BASE" install-test
mkdir -p "$TMP/wheel"
mkdir -p "$R/var/cache/apt/archives" && mount --bind "$CACHE/apt-archives" "$R/var/cache/apt/archives"
# This throwaway root stands for a host whose mirror is current; the snapshot mirror here is not.
echo 'Acquire::Check-Valid-Until "false";' > "$R/etc/apt/apt.conf.d/99install-test"
"$REPO/.venv/bin/pip" wheel -q --no-deps -w "$TMP/wheel" "$REPO"
cat > "$TMP/inventory.yml" <<EOT
all:
  hosts:
    localhost: {ansible_connection: local, ansible_python_interpreter: "{{ ansible_playbook_python }}"}
    install_root: {ansible_connection: chroot_dir, ansible_host: "$R", ansible_python_interpreter: /usr/bin/python3}
EOT
cd "$REPO/playbooks"
run() {
  ANSIBLE_CONFIG=ansible.cfg "$REPO/.venv/bin/ansible-playbook" -i "$TMP/inventory.yml" install.yml \
    -e target=install_root -e ansible_become=false -e centralina_manage_services=false \
    -e centralina_wheel="$(ls "$TMP"/wheel/centralina-*.whl)" \
    -e '{"centralina_pip_env": {"PIP_CERT": "/var/tmp/build-ca.crt", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}}' \
    | tee "$TMP/run-$1.log"
}
start=$(date +%s); run 1; echo "run 1: $(( $(date +%s) - start )) s"
start=$(date +%s); run 2; echo "run 2: $(( $(date +%s) - start )) s"
echo "== changed in run 2:"; grep -B1 -E '^changed:' "$TMP/run-2.log" || echo "(none)"
grep -E '^install_root +: .*changed=0 ' "$TMP/run-2.log"
