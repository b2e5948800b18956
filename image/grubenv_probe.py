"""Decision 048's boot-once and fallback, proven at the boot loader under qemu (Linux never starts).

A/B updates (decision 048) need GRUB to read a grubenv on the ESP, take one boot off a counter and
write it back *before* booting the new slot, and to fall back to the committed slot when that trial
boot never committed — under Secure Boot too, where only Debian's signed, monolithic GRUB runs. This
probe copies the built image (sparse), puts on its ESP the slot choice of ``image/ab-select.cfg`` and
a stub grub.cfg that sources it, prints the chosen slot and powers off, and a grubenv with
``slot_default=a slot_try=b slot_tries=1``. Boot 1 must choose b and leave ``slot_tries=0``; nothing
commits b (as when its health check fails); boot 2 must choose a and leave ``slot_try=`` and
``rollback_from=b``. The grubenv is read back with mtools after each boot. GRUB's ``lockdown`` and
``shim_lock`` variables are printed (``y`` when Secure Boot is enforced). Seconds per boot.

    python image/grubenv_probe.py [--firmware uefi|uefi-sb]      (qemu, mtools)
"""
import argparse
import os
import re
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
#: The probe's stub grub.cfg: decision 048's slot choice (image/ab-select.cfg, sourced from the ESP),
#: then it says which slot it would boot and powers off.
PROBE_CFG = """\
serial --unit=0 --speed=115200
terminal_output console serial
echo "probe: lockdown=$lockdown shim_lock=$shim_lock"
set envfile=$prefix/grubenv
source $prefix/ab-select.cfg
echo "probe: boot slot=$slot"
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


def boot_once(image, firmware, run_dir):
    """Boot the probe once; return (the slot GRUB chose, the grubenv after, seconds)."""
    cmd = [part.replace(",snapshot=on", "") for part in qemu_command(image, firmware, run_dir)]
    (run_dir / "serial.log").unlink(missing_ok=True)
    started = time.monotonic()
    subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=600)
    serial = (run_dir / "serial.log").read_text(errors="replace")
    for line in dict.fromkeys(re.findall(r"probe: [^\r\n]*?(?=probe:|\r|\n|$)", serial)):
        print("   ", line.strip())
    chosen = re.findall(r"probe: boot slot=([ab])", serial)
    mtools("mcopy", "-o", "::/EFI/debian/grubenv", str(run_dir / "grubenv.after"), image=image)
    return (chosen[-1] if chosen else None), read_env((run_dir / "grubenv.after").read_bytes()), \
        time.monotonic() - started


def main():
    """Probe; exit 0 when GRUB took the trial once, then fell back, writing the grubenv each time."""
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
        mtools("mcopy", "-o", str(HERE / "ab-select.cfg"), "::/EFI/debian/ab-select.cfg", image=image)
        mtools("mcopy", "-o", str(run_dir / "grubenv"), "::/EFI/debian/grubenv", image=image)
        # Boot 1: the trial (slot b) is taken and counted down. Nothing commits it (b "fails health").
        # Boot 2: the spent trial falls back to slot a and records rollback_from=b.
        expected = [("b", {"slot_default": "a", "slot_try": "b", "slot_tries": "0"}),
                    ("a", {"slot_default": "a", "slot_try": "", "slot_tries": "0", "rollback_from": "b"})]
        ok = True
        for number, (want_slot, want_env) in enumerate(expected, 1):
            slot, env, seconds = boot_once(image, args.firmware, run_dir)
            passed = slot == want_slot and all(env.get(k) == v for k, v in want_env.items())
            ok = ok and passed
            print(f"{args.firmware} boot {number}: GRUB chose slot {slot} ({seconds:.1f} s); grubenv after: {env}"
                  f" -> {'as expected' if passed else f'EXPECTED slot {want_slot}, {want_env}'}")
        print("PASSED" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
