"""Music on hold without Asterisk: conversion to mono in every format, musiconhold.conf, class rules."""
import io
import subprocess

import pytest

from appliance import audio
from appliance.asterisk.confgen.musiconhold import MohClassRow, render_musiconhold_conf
from appliance.asterisk.confgen.queues import QueueRow
from appliance.errors import ValidationError
from appliance.services import Actor, music_on_hold, queues
from appliance.services.engine_rows import engine_queues
from tests.pbx import engine_settings

SYSTEM = Actor.system("test")


def _stereo_wav(seconds=2):
    return subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                           f"sine=frequency=440:duration={seconds}:sample_rate=44100", "-ac", "2", "-f", "wav", "-"],
                          capture_output=True, check=True).stdout


def test_a_stereo_upload_is_mono_in_every_format(tmp_path):
    """ffmpeg's output options bind to one output each: every format must be mono and as long as the sound."""
    source = tmp_path / "in.wav"
    source.write_bytes(_stereo_wav(2))
    assert audio.convert(source, "wav", tmp_path, "s") == 2.0
    sizes = {path.suffix: path.stat().st_size for path in tmp_path.glob("s.*")}
    assert sizes == {".sln16": 64000, ".sln": 32000, ".ulaw": 16000, ".alaw": 16000}


def test_only_classes_with_sounds_are_written_with_their_folder_and_sounds():
    settings = engine_settings()
    text = render_musiconhold_conf(settings, (MohClassRow(3, (7, 9)), MohClassRow(4, ())))
    assert "[default]" in text and "[cn-moh-3]" in text and "[cn-moh-4]" not in text
    assert f"directory = {settings.instance_dir}/lib/moh/cn-moh-3" in text
    assert "; sounds: f7 f9" in text
    with pytest.raises(ValueError):
        MohClassRow("3]\n[evil", ())


def test_a_queue_row_refuses_a_class_name_that_is_not_ours():
    with pytest.raises(ValueError):
        QueueRow(id=1, number="650", name="Vendas", moh_class="x\nmode=custom")


@pytest.fixture
def library(app, tmp_path):
    music_on_hold.use_directory(tmp_path / "moh")
    yield tmp_path / "moh"
    music_on_hold.use_directory(None)


def test_a_queue_may_choose_only_an_existing_class_and_plays_default_until_it_has_sounds(library):
    music = music_on_hold.save_class(music_on_hold.MohClassInput("Clássicos"), SYSTEM)
    with pytest.raises(ValidationError) as refused:
        queues.save_queue(queues.QueueInput(number="650", name="Vendas", moh_class="cn-moh-99"), SYSTEM)
    assert set(refused.value.fields) == {"moh_class"}
    queues.save_queue(queues.QueueInput(number="650", name="Vendas", moh_class=f"cn-moh-{music.id}"), SYSTEM)
    assert engine_queues()[0].moh_class == "default"  # no sound yet: not in musiconhold.conf
    row = music_on_hold.upload_file(music.id, "../../etc/passwd.wav", io.BytesIO(_stereo_wav(1)), SYSTEM)
    assert row.name == "passwd.wav" and row.duration == 1.0
    assert {p.name for p in (library / f"cn-moh-{music.id}").iterdir()} == {
        f"f{row.id}.{suffix}" for suffix in ("sln16", "sln", "ulaw", "alaw")}
    assert engine_queues()[0].moh_class == f"cn-moh-{music.id}"
    with pytest.raises(ValidationError):
        music_on_hold.delete_class(music.id, SYSTEM)


def test_a_text_file_is_refused_and_leaves_no_row(library):
    music = music_on_hold.save_class(music_on_hold.MohClassInput("Rock"), SYSTEM)
    with pytest.raises(ValidationError) as refused:
        music_on_hold.upload_file(music.id, "song.mp3", io.BytesIO(b"#!/bin/sh\n" * 50), SYSTEM)
    assert set(refused.value.fields) == {"file"}
    assert music_on_hold.files_of(music) == []
    with pytest.raises(ValidationError):
        music_on_hold.save_class(music_on_hold.MohClassInput("Rock"), SYSTEM)
