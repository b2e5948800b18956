"""Folders of sounds Asterisk plays (prompts, music on hold), below the engine's instance folder.

The app writes the files (0640) and Asterisk's group reads them, and for prompts recorded from a
phone writes there too: each folder is shared with that group when first made.
"""
from pathlib import Path

from appliance import permissions
from appliance.services import engine_sync


class SoundFolder:
    """One such folder, ``subdir`` of the instance folder, or a folder chosen instead (tests, no engine)."""

    def __init__(self, subdir):
        self.subdir = subdir
        self._override = None

    def use(self, path):
        """Keep the sounds in ``path`` instead of the engine's folder (None: the engine's again)."""
        self._override = Path(path) if path is not None else None

    def path(self):
        """Return the folder (host path), created; None when there is no engine to keep it for."""
        if self._override is not None:
            self._override.mkdir(parents=True, exist_ok=True)
            return self._override
        engine = engine_sync.configured_engine()
        if engine is None:
            return None
        folder = engine.host_path(engine.instance_dir / self.subdir)
        if not folder.exists():
            engine.create_dirs()
            folder.mkdir(parents=True, exist_ok=True)
            permissions.share_dir(folder, engine.account())
        return folder
