#!/bin/bash
# Assemble a raw GPT disk image (BIOS and UEFI bootable) from a customised root tree.
# No loop devices, no mounts (notes/image.md): mkfs.ext4 -d and mkfs.vfat --offset write the
# filesystems in place, mtools fills the ESP, and a few lines of Python do what grub-bios-setup
# does (it ships only in grub-pc, which conflicts with grub-efi-amd64).
# usage: assemble.sh ROOTFS ARTEFACTS OUT.img ROOT_UUID ESP_VOLID(8 hex)
set -euo pipefail
R=$1 ART=$2 IMG=$3 ROOT_UUID=$4 ESP_ID=$5
# Room for the tree plus a quarter, at least 2 GiB; the root grows to the disk on first boot.
USED_MIB=$(du -sm --apparent-size "$R" | cut -f1)
SIZE_MIB=$(( (USED_MIB * 5 / 4 + 200 + 255) / 256 * 256 ))
[ "$SIZE_MIB" -lt 2048 ] && SIZE_MIB=2048
BIOS_START=2048;  BIOS_SIZE=2048              # 1 MiB BIOS boot partition (GRUB core.img)
ESP_START=4096;   ESP_SIZE=$((128*2048))      # 128 MiB ESP
ROOT_START=$((ESP_START+ESP_SIZE))
TOTAL=$((SIZE_MIB*2048))
ROOT_SIZE=$(( (TOTAL-34-ROOT_START+1)/2048*2048 ))   # leave room for the backup GPT, 1 MiB aligned
export MTOOLS_SKIP_CHECK=1

rm -f "$IMG"; truncate -s "${SIZE_MIB}M" "$IMG"
sfdisk -q --no-reread --no-tell-kernel "$IMG" <<EOT
label: gpt
unit: sectors
first-lba: 2048
start=$BIOS_START, size=$BIOS_SIZE, type=21686148-6449-6E6F-744E-656564454649, name="bios-boot"
start=$ESP_START, size=$ESP_SIZE, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
start=$ROOT_START, size=$ROOT_SIZE, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="root"
EOT

mkfs.ext4 -q -F -b 4096 -L root -U "$ROOT_UUID" -d "$R" -E offset=$((ROOT_START*512)) "$IMG" $((ROOT_SIZE/8))

# FAT32 needs >= 65525 clusters: one sector each on 128 MiB (notes/image.md pitfall 3).
mkfs.vfat -F 32 -S 512 -s 1 -n ESP -i "$ESP_ID" --offset=$ESP_START "$IMG" $((ESP_SIZE/2)) 2>&1 \
  | grep -v "block count mismatch" || true
E="$IMG@@$((ESP_START*512))"
mmd -i "$E" ::/EFI ::/EFI/BOOT ::/EFI/debian
mcopy -i "$E" "$R/usr/lib/shim/shimx64.efi.signed"                   ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$E" "$R/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed" ::/EFI/BOOT/grubx64.efi
mcopy -i "$E" "$R/usr/lib/shim/mmx64.efi.signed"                     ::/EFI/BOOT/mmx64.efi
mcopy -i "$E" "$ART/esp-grub.cfg" ::/EFI/debian/grub.cfg
mcopy -i "$E" "$ART/esp-grub.cfg" ::/EFI/BOOT/grub.cfg

python3 - "$IMG" "$R/usr/lib/grub/i386-pc/boot.img" "$ART/core.img" $BIOS_START $BIOS_SIZE <<'PY'
"""MBR boot code + core.img in the BIOS boot partition: what grub-bios-setup writes (grub/i386/pc/boot.h)."""
import struct
import sys

img, boot_path, core_path, start, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
boot = bytearray(open(boot_path, "rb").read())
core = bytearray(open(core_path, "rb").read())
assert len(boot) == 512 and len(core) <= size * 512, (len(boot), len(core))
with open(img, "r+b") as f:
    mbr = bytearray(f.read(512))
    new = bytearray(boot[:0x1B8]) + mbr[0x1B8:]   # keep disk signature, protective partition table, 55AA
    new[0x03:0x5A] = mbr[0x03:0x5A]               # the (empty) BPB stays, as grub-bios-setup keeps it
    new[0x5C:0x64] = struct.pack("<Q", start)     # GRUB_BOOT_MACHINE_KERNEL_SECTOR
    new[0x66:0x68] = b"\x90\x90"                  # no drive-number check (hard disk, not floppy)
    # diskboot's blocklist (last 12 bytes of core.img's first sector): where the rest of core.img starts.
    _, length, _ = struct.unpack_from("<QHH", core, 0x200 - 12)
    assert length == (len(core) + 511) // 512 - 1, (length, len(core))
    struct.pack_into("<Q", core, 0x200 - 12, start + 1)
    f.seek(0)
    f.write(new)
    f.seek(start * 512)
    f.write(core)
PY
echo "$IMG: ${SIZE_MIB} MiB (tree ${USED_MIB} MiB)"
