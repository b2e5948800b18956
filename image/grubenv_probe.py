"""Can the boot loader keep a boot-once counter? (decision 048's open question, probed under qemu).

A/B updates (decision 048) need GRUB to read a grubenv on the ESP, take one boot off a counter and
write it back *before* booting the new slot — under Secure Boot too, where only Debian's signed,
monolithic GRUB runs. This probe copies the built image (sparse), replaces the ESP's stub grub.cfg
with one that does exactly that (load_env, decrement, save_env, then halt) and writes a grubenv
with ``slot_try=b slot_tries=1``; it boots the copy under qemu (``--firmware uefi-sb`` by default),
then reads the grubenv back with mtools. Expected: ``slot_tries=0`` and ``probe=saved``. It also prints
GRUB's ``lockdown``/``shim_lock`` variables (``y`` when Secure Boot is enforced). Seconds, not minutes:
Linux never starts.

    python image/grubenv_probe.py [--firmware uefi|uefi-sb]      (root not needed; qemu, mtools)
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from boottest import qemu_command  # noqa: E402  (the same machine and firmware as the boot test)

ESP_OFFSET = 4096 * 512  # image/assemble.sh: the ESP starts at LBA 4096
PROBE_CFG = """\
serial --unit=0 --speed=115200
terminal_output console serial
echo "probe: lockdown=$lockdown shim_lock=$shim_lock"
set envfile=$prefix/grubenv
load_env --file $envfile slot_default slot_try slot_tries
echo "probe: loaded slot_default=$slot_default slot_try=$slot_try slot_tries=$slot_tries"
if [ -n "$slot_try" -a "$slot_tries" = "1" ]; then
  set slot_tries=0
  set probe=saved
  save_env --file $envfile slot_tries probe
  echo "probe: boot-once taken for slot $slot_try, counter written"
fi
echo "probe: done"
halt
"""


def grubenv(values):
    """Return a 1024-byte GRUB environment block holding ``values``."""
    text = "# GRUB Environment Block\n" + "".join(f"{key}={value}\n" for key, value in values.items())
    return (text + "#" * (1024 - len(text))).encode()


def read_env(block):
    """Return the variables of a GRUB environment block."""
    pairs = (line.split("=", 1) for line in block.decode(errors="replace").splitlines()
             if "=" in line and not line.startswith("#"))
    return dict(pairs)


def mtools(*args, image):
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    return subprocess.run([args[0], "-i", f"{image}@@{ESP_OFFSET}", *args[1:]], env=env, check=True,
                          capture_output=True)


def main():
    """Probe; exit 0 when GRUB took the boot-once and wrote the counter back."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image", default=str(HERE / "out" / "centralina.img"))
    parser.add_argument("--firmware", choices=["uefi", "uefi-sb"], default="uefi-sb")
    args = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="centralina-grubenv-"))
    image = run_dir / "probe.img"
    try:
        subprocess.run(["cp", "--sparse=always", args.image, str(image)], check=True)
        (run_dir / "grub.cfg").write_text(PROBE_CFG)
        (run_dir / "grubenv").write_bytes(grubenv({"slot_default": "a", "slot_try": "b", "slot_tries": "1"}))
        for target in ("::/EFI/debian/grub.cfg", "::/EFI/BOOT/grub.cfg"):
            mtools("mcopy", "-o", str(run_dir / "grub.cfg"), target, image=image)
        mtools("mcopy", "-o", str(run_dir / "grubenv"), "::/EFI/debian/grubenv", image=image)
        cmd = [part.replace(",snapshot=on", "") for part in qemu_command(image, args.firmware, run_dir)]
        started = time.monotonic()
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
        serial = (run_dir / "serial.log").read_text(errors="replace")
        print("\n".join(line for line in serial.splitlines() if "probe:" in line or "error" in line.lower()))
        mtools("mcopy", "-o", "::/EFI/debian/grubenv", str(run_dir / "grubenv.after"), image=image)
        after = read_env((run_dir / "grubenv.after").read_bytes())
        print(f"{args.firmware}: qemu exited {done.returncode} after {time.monotonic() - started:.1f} s; "
              f"grubenv after: {after}")
        ok = after.get("slot_tries") == "0" and after.get("probe") == "saved" and after.get("slot_try") == "b"
        print("PASSED" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
