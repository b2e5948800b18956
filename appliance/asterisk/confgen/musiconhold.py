"""Render musiconhold.conf: the classes callers hear while they wait (queues, hold).

``default`` plays the engine's bundled files; each uploaded class (``cn-moh-<id>``) plays the sounds
converted into its own folder, in files mode: Asterisk lists the folder, keeps one entry per name
(``f7.sln``, ``f7.ulaw``… are one sound) and plays each in the format of the caller's call, so
nothing is transcoded. A class is written only once it has a sound (files mode refuses an empty
folder); the comment naming its sounds makes a new upload change the file, hence reload the module
(``module reload res_musiconhold.so``: callers listening keep their call and their class).
"""
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..names import moh_class_name
from .asterisk import HEADER

#: Where uploaded classes live, below the engine's instance folder: ``lib/moh/<class name>/f<id>.<format>``.
MOH_SUBDIR = "lib/moh"
_NAME = re.compile(r"^cn-moh-[1-9][0-9]{0,9}$")


@dataclass(frozen=True)
class MohClassRow:
    """An uploaded class and the ids of its sounds (in upload order)."""

    id: int
    file_ids: tuple = ()

    def __post_init__(self):
        if not _NAME.match(moh_class_name(self.id)) or not all(isinstance(i, int) for i in self.file_ids):
            raise ValueError(f"bad music class: {self.id!r}")


def file_stem(file_id):
    """Return the file name (without format) of uploaded sound ``file_id``."""
    return f"f{int(file_id)}"


def class_dir(instance_dir, class_id):
    """Return the folder (as Asterisk sees it) of uploaded class ``class_id``."""
    return PurePosixPath(instance_dir) / MOH_SUBDIR / moh_class_name(class_id)


def is_class_name(name):
    """Tell whether ``name`` is the bundled class or an uploaded class's name (what a queue may name)."""
    return name == "default" or bool(_NAME.match(name or ""))


def render_musiconhold_conf(settings=None, classes=()):
    """Return musiconhold.conf: ``default`` and each uploaded class that has sounds."""
    text = HEADER + """
[default]
mode = files
; Relative to the data folder (asterisk.conf astdatadir): the moh files Debian ships.
directory = moh
sort = random
"""
    for row in classes:
        if not row.file_ids or settings is None:
            continue
        text += (f"\n[{moh_class_name(row.id)}]\n; sounds: {' '.join(file_stem(i) for i in row.file_ids)}\n"
                 f"mode = files\ndirectory = {class_dir(settings.instance_dir, row.id)}\nsort = alpha\n")
    return text
