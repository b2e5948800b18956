"""Live apply: write a compiled generation, reload only what changed, roll back if Asterisk refuses it.

One apply runs at a time per instance (a file lock under the instance folder) and
applying what already runs changes nothing. A changed file is written atomically,
then only the modules reading it are reloaded through AMI. Asterisk 22 reports a
failed reload in two ways, both checked:

- the AMI ``Reload`` reply is an error (pbx_config on an unparseable extensions.conf:
  "An unknown error occurred"; also "No such module", "Module does not support reload");
- the reply is a success but the module dropped what it could not build and said so
  in the log: res_pjsip logs ``ERROR ... Could not create an object of type
  'transport' ...`` and keeps running without it; pbx_config logs ``WARNING ... at
  line 9 of extensions.conf`` and skips the line. The log is messages.log, rendered
  by confgen/logger.py with notice, warning and error.

On refusal the previous files are written back and reloaded, the generation is
recorded as failed with Asterisk's words, and ApplyFailed is raised.

Kept generations are for reading (the System page, diffs) and rolling back; the
secrets in them (the AMI users' in manager.conf) are stored as their names only,
and a rollback writes the current secrets back in (``redact``/``unredact``).
"""
import difflib
import fcntl
import json
import logging
import re
import time
from dataclasses import dataclass, field

from appliance.asterisk import confgen, dialplan_delta
from appliance.asterisk.ami import Ami, AmiError, AmiSettings
from appliance.db import database
from appliance.errors import DomainError, NotFound
from appliance.i18n import N_
from appliance.models.engine import EngineGeneration

#: pjsip.conf section types a res_pjsip reload keeps as they were: Asterisk 22 logs "Transport
#: 'x' is not fully reloadable, not reloading" (allow_reload defaults to no) and "Type 'system'
#: is not reloadable, maintaining previous values".
PJSIP_RESTART_TYPES = ("transport", "system")
#: pjsip.conf section types a module of their own reloads alone (``ast_sorcery_reload_object`` of that
#: type, ~10 ms). Any other change reloads res_pjsip.so, whose reload re-synchronises the qualify
#: state of every AOR and endpoint, the 10,000 realtime devices' too: 3-5 s at that size
#: (pjsip_options.c sip_options_synchronize; docs/decisions/014-trunks.md).
PJSIP_NARROW_RELOADS = {"registration": "res_pjsip_outbound_registration.so",
                        "identify": "res_pjsip_endpoint_identifier_ip.so"}

#: Sources whose errors are about a request in flight, never about a file being loaded: a carrier
#: that challenges our qualify OPTIONS makes the digest authenticator log "noendpoint:<address>:
#: There were no auth ids available" at every qualify, reload or not; it must not roll back an apply.
RUNTIME_ERROR_SOURCES = ("res_pjsip_outbound_authenticator_digest.c:",)

#: How long an apply waits while Asterisk runs another reload (the background qualify resync's).
RELOAD_BUSY_WAIT = 120.0

log = logging.getLogger(__name__)
#: The module that reloads extensions.conf; small extension edits skip it (dialplan_delta.py).
DIALPLAN_MODULE = "pbx_config.so"

DEFAULT_KEEP = 20
#: How a stored generation shows a secret: by name, never by value.
_MARK = "<redacted:{name}>"
_MARKED = re.compile(r"<redacted:(?P<name>[a-z_]+)>")
LOCK_TIMEOUT = 30.0
# "[2026-11-26 00:47:37.123] ERROR[10248] res_sorcery_config.c: message"; lines logged by a call
# carry its id after the thread: "ERROR[10248][C-00000001]".
_LOG_LINE = re.compile(r"^\[[^\]]*\] (?P<level>[A-Z]+)\[\d+\](?P<call>\[[^\]]*\])? (?P<text>.*)$")
# A warning that points into a config file ("at line 9 of extensions.conf", "line 14 of ...").
_FILE_POSITION = re.compile(r"\bline \d+\b")


class ApplyError(DomainError):
    """The configuration could not be applied."""


class ApplyBusy(ApplyError):
    """Another apply held the instance's lock for too long."""


class ApplyFailed(ApplyError):
    """Asterisk refused a generation; ``restored`` tells whether the previous files run again."""

    def __init__(self, generation, reason, restored):
        if restored:
            super().__init__(N_("Asterisk refused configuration %(number)d and kept the previous one: %(reason)s"),
                             number=generation, reason=reason)
        else:
            super().__init__(N_("Asterisk refused configuration %(number)d and restoring the previous one failed "
                                "too: %(reason)s"), number=generation, reason=reason)
        self.generation = generation
        self.reason = reason
        self.restored = restored


@dataclass
class ApplyResult:
    """What one apply did."""

    generation: int | None
    changed: list = field(default_factory=list)
    reloaded: list = field(default_factory=list)
    restart_needed: list = field(default_factory=list)
    engine_running: bool = True
    duration_ms: int = 0
    #: The thread reloading res_pjsip.so for the trunks' qualify, when a trunk's AOR changed
    #: (services/engine_sync.py); None otherwise.
    qualify_resync: object = None


def apply(engine, files, keep=DEFAULT_KEEP):
    """Make ``engine`` run ``files`` ({name: text}, or a callable returning it); return an ApplyResult.

    A callable is rendered once the lock is held, so of two racing applies the last one
    always writes what the database says now rather than what it said before the other
    one. Nothing changed: no write, no reload, no generation (``generation`` is None).
    With Asterisk stopped the files are written for its next start and nothing is reloaded.
    """
    started = time.monotonic()
    with _locked(engine):
        wanted = files() if callable(files) else dict(files)
        last = latest_generation()
        names = sorted(set(wanted) | set(last.file_map() if last else ()))
        before = {name: _read(engine, name) for name in names}
        changed = [name for name in names if before[name] != wanted.get(name)]
        if not changed:
            return ApplyResult(None)
        running = engine.is_running()
        # A stopped Asterisk reads every file when it starts: nothing waits for a restart.
        restart = _restart_needed(changed, before, wanted) if running else []
        modules = _modules(changed, before, wanted)
        live_steps = _dialplan_steps(changed, before, wanted, modules) if running else None
        if live_steps is not None:
            modules.remove(DIALPLAN_MODULE)
        _write(engine, {name: wanted.get(name) for name in changed})
        refusal = restore_error = None
        if running:
            refusal = _reload_checked(engine, modules)
            if not refusal and live_steps is not None and not _run_steps(engine, live_steps):
                modules.append(DIALPLAN_MODULE)  # an action refused: the file says it all, reload it
                refusal = _reload_checked(engine, [DIALPLAN_MODULE])
            if refusal:
                restore_error = _restore(engine, before, changed, modules)
        elapsed = int((time.monotonic() - started) * 1000)
        error = refusal or ""
        if restore_error:
            error += f"; restoring the previous files failed: {restore_error}"
        number = _record(redact(wanted, engine.settings), changed, restart, error, elapsed, keep)
    if refusal:
        raise ApplyFailed(number, error, restored=not restore_error)
    return ApplyResult(number, changed, modules if running else [], restart, running, elapsed)


def latest_generation():
    """Return the newest applied generation, or None before the first apply."""
    return (EngineGeneration.select().where(EngineGeneration.status == "applied")
            .order_by(EngineGeneration.number.desc()).first())


def list_generations():
    """Return the kept generations, newest first."""
    return EngineGeneration.select().order_by(EngineGeneration.number.desc())


def get_generation(number):
    """Return generation ``number`` or raise NotFound."""
    generation = EngineGeneration.get_or_none(EngineGeneration.number == number)
    if generation is None:
        raise NotFound(N_("Configuration %(number)d is no longer kept."), number=number)
    return generation


def diff_generations(old, new):
    """Return ``{file: unified diff}`` for the files that differ between generations ``old`` and ``new``."""
    before, after = get_generation(old).file_map(), get_generation(new).file_map()
    diffs = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            diffs[name] = "".join(difflib.unified_diff(
                (before.get(name) or "").splitlines(keepends=True), (after.get(name) or "").splitlines(keepends=True),
                fromfile=f"{name} ({old})", tofile=f"{name} ({new})"))
    return diffs


def redact(files, settings):
    """Return ``files`` ({name: text}) with every secret of ``settings`` replaced by a mark naming it."""
    marks = {value: _MARK.format(name=name) for name, value in confgen.file_secrets(settings).items()}
    redacted = {}
    for name, text in files.items():
        for value, mark in marks.items():
            text = text.replace(value, mark) if text is not None else None
        redacted[name] = text
    return redacted


def unredact(files, settings):
    """Return stored ``files`` with each secret mark replaced by the secret ``settings`` holds today.

    A rolled-back generation gets the current AMI secrets, the ones the app logs in
    with, whatever secret was current when it was first applied.
    """
    values = confgen.file_secrets(settings)
    restored = {}
    for name, text in files.items():
        text = _MARKED.sub(lambda match: values.get(match["name"], match[0]), text) if text is not None else None
        if text is not None and _MARKED.search(text):
            raise ApplyError(N_("Configuration file %(file)s holds a secret this version no longer knows."),
                             file=name)
        restored[name] = text
    return restored


def restore_generation(engine, number, keep=DEFAULT_KEEP):
    """Apply the files of generation ``number`` again as a new generation; mark the replaced one rolled back."""
    files = unredact(get_generation(number).file_map(), engine.settings)
    replaced = latest_generation()
    result = apply(engine, files, keep)
    if result.generation is not None and replaced is not None:
        replaced.status = "rolled_back"
        replaced.save()
    return result


# -- steps ---------------------------------------------------------------------------------------


class _locked:
    """Hold the instance's apply lock (flock: also serialises gunicorn workers and the daemon)."""

    def __init__(self, engine):
        self.engine = engine

    def __enter__(self):
        self.engine.create_dirs()
        self.handle = self.engine.lock_file("apply.lock")
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.handle.close()
                    raise ApplyBusy(N_("Another configuration apply is still running; try again.")) from None
                time.sleep(0.05)

    def __exit__(self, *exc_info):
        self.handle.close()  # closing releases the lock


def _etc(engine, name):
    return engine.host_path(engine.instance_dir / "etc" / name)


def _read(engine, name):
    """Return the text of ``etc/<name>`` as it is on disk, or None when absent."""
    path = _etc(engine, name)
    return path.read_text(encoding="utf-8") if path.exists() else None


def _write(engine, texts):
    """Write each file atomically (None removes it)."""
    for name, text in texts.items():
        if text is None:
            _etc(engine, name).unlink(missing_ok=True)
        else:
            engine.write_file(name, text)


def _modules(changed, before=None, wanted=None):
    """Return the modules to reload for ``changed`` files, once each, in reload order (confgen.FILES).

    With the texts ``before`` and ``wanted`` ({name: text}), a pjsip.conf change confined to
    registration and identify sections (a trunk's user name, expiry, addresses) reloads only
    their modules, and one confined to comments (a trunk's name) reloads nothing.
    """
    modules = {confgen.reload_of(name) for name in changed} - {None}
    narrow = []
    if "pjsip.conf" in changed and before is not None and wanted is not None:
        kinds = _touched_types(before.get("pjsip.conf"), wanted.get("pjsip.conf"))
        if kinds <= set(PJSIP_NARROW_RELOADS):
            modules.discard(confgen.reload_of("pjsip.conf"))
            narrow = [PJSIP_NARROW_RELOADS[kind] for kind in sorted(kinds)]
    return [module for module in confgen.reload_order() if module in modules] + narrow


def _touched_types(old_text, new_text):
    """Return the types of the pjsip.conf sections that differ between two texts (comments aside)."""
    old, new = _sections(old_text), _sections(new_text)
    return {kind for key in set(old) | set(new) if old.get(key) != new.get(key) for _, kind in [key]}


def _restart_needed(changed, before, wanted):
    """Return the changed files whose change takes effect only at Asterisk's next start."""
    restart = [name for name in changed if confgen.reload_of(name) is None]
    if "pjsip.conf" in changed:
        if _touched_types(before.get("pjsip.conf"), wanted.get("pjsip.conf")) & set(PJSIP_RESTART_TYPES):
            restart.append("pjsip.conf")
    return sorted(restart)


def _sections(text):
    """Return ``{(section, type): [option lines]}`` of an Asterisk config text (comments and blanks dropped).

    PJSIP objects of different types may share a name (a trunk's endpoint, AOR, identify and
    registration are all ``[trunk_1]``): the type tells them apart.
    """
    blocks, current = [], None
    for raw in (text or "").splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            current = (line[1:].split("]", 1)[0], [])
            blocks.append(current)
        elif line and current is not None:
            current[1].append(re.sub(r"\s*=>?\s*", "=", line, count=1))
    sections = {}
    for name, lines in blocks:
        kind = next((line.split("=", 1)[1] for line in lines if line.startswith("type=")), None)
        sections.setdefault((name, kind), []).extend(lines)
    return sections


def _dialplan_steps(changed, before, wanted, modules):
    """Return the AMI actions that make an extensions.conf change live without a reload, or None.

    Only when the dialplan module is the only reload that file needs and the change is
    extension lines alone (appliance/asterisk/dialplan_delta.py).
    """
    if "extensions.conf" not in changed or DIALPLAN_MODULE not in modules:
        return None
    return dialplan_delta.plan(before.get("extensions.conf"), wanted.get("extensions.conf"))


def _run_steps(engine, steps):
    """Send the dialplan actions; return False when Asterisk refused one (the caller reloads instead)."""
    try:
        with Ami(AmiSettings.for_engine(engine.settings)) as ami:
            for step in steps:
                ami.dialplan_action(step)
    except AmiError as exc:
        log.warning("live dialplan edit refused, reloading the dialplan instead: %s", exc)
        return False
    return True


def _reload_checked(engine, modules):
    """Reload ``modules``; return Asterisk's complaint, or None when every reload took."""
    if not modules:
        return None
    log = engine.host_path(engine.instance_dir / "log" / "messages.log")
    offset = log.stat().st_size if log.exists() else 0
    problems = []
    try:
        with Ami(AmiSettings.for_engine(engine.settings)) as ami:
            for module in modules:
                ami.reload_module(module, busy_wait=RELOAD_BUSY_WAIT)
    except AmiError as exc:
        problems.append(str(exc))  # the log usually says why ("parse error ... line 22 of ...")
    problems += _complaints(log, offset)
    return "; ".join(problems) or None


def _complaints(log, offset, quiet=0.05, limit=0.5):
    """Return the errors Asterisk logged after ``offset``, once its logger thread has caught up."""
    if not log.exists():
        return []
    # Asterisk's logger writes from its own thread; wait until the file stops growing.
    deadline, size = time.monotonic() + limit, -1
    while size != log.stat().st_size and time.monotonic() < deadline:
        size = log.stat().st_size
        time.sleep(quiet)
    with open(log, "rb") as handle:
        handle.seek(offset if size >= offset else 0)  # a rotated log starts over
        text = handle.read().decode("utf-8", "replace")
    found = []
    for line in text.splitlines():
        match = _LOG_LINE.match(line)
        # A line with a call id ("[C-00000001]") comes from a call in progress (Dial to an
        # unregistered device logs an ERROR), never from the reload: it must not roll back.
        if not match or match["call"] or match["text"].startswith(RUNTIME_ERROR_SOURCES):
            continue
        if match["level"] == "ERROR" or (match["level"] == "WARNING" and _FILE_POSITION.search(match["text"])):
            found.append(match["text"])
    return list(dict.fromkeys(found))  # a broken file is reported once per reader


def _restore(engine, before, changed, modules):
    """Write the previous files back and reload; return an error text if that failed too."""
    _write(engine, {name: before[name] for name in changed})
    return _reload_checked(engine, modules)


def _record(files, changed, restart, error, duration_ms, keep):
    """Store the generation (failed when ``error``) and prune to the newest ``keep``; return its number."""
    with database.atomic():
        number = (EngineGeneration.select(EngineGeneration.number).order_by(EngineGeneration.number.desc())
                  .scalar() or 0) + 1
        EngineGeneration.create(
            number=number, status="failed" if error else "applied", files=json.dumps(files, sort_keys=True),
            changed=json.dumps(changed), restart_needed=json.dumps(restart), error=error, duration_ms=duration_ms)
        running = latest_generation()
        (EngineGeneration.delete()
         .where(EngineGeneration.number <= number - keep, EngineGeneration.id != (running.id if running else 0))
         .execute())
    return number
