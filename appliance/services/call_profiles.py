"""Call profiles (categorias e perfis): what extensions may call outside, and their caps.

A profile's classes and caps are compiled into the dialplan (its context includes the routes it
allows; its caps are globals), so a profile change is one dialplan reload; moving extensions to
another profile changes their devices' realtime rows only (live on the next call, no reload).
"""
import re
from dataclasses import dataclass, field

from appliance.db import chunks, database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Device, Extension
from appliance.models.profiles import PERMISSION_CLASSES, CallProfile
from appliance.services import audit, engine_sync, recording_policy
from appliance.services.extensions import in_range

CALLS_RANGE = (0, 1000)
MINUTES_RANGE = (0, 100000)


@dataclass
class ProfileInput:
    """What an admin types for a profile (0 in a cap: no cap; 0 international minutes: none)."""

    name: str
    classes: list = field(default_factory=list)
    max_external_per_extension: int = 2
    max_external_total: int = 0
    international_minutes_per_day: int = 30
    #: Its extensions' calls: never / always / on_demand (the strictest of this and the extension's wins).
    recording: str = "never"
    #: Days their recordings are kept (0: the global setting).
    recording_keep_days: int = 0
    #: The prompt both parties hear when its policy starts a recording (None: no announcement).
    recording_prompt_id: int | None = None


def get_profile(profile_id):
    """Return the profile with ``profile_id`` or raise NotFound."""
    profile = CallProfile.get_or_none(CallProfile.id == profile_id)
    if profile is None:
        raise NotFound(N_("Profile not found."))
    return profile


def list_profiles():
    """Return every profile, the default first, then by name."""
    return CallProfile.select().order_by(CallProfile.is_default.desc(), CallProfile.name)


def default_profile():
    """Return the default profile (the migration creates it; recreated if someone removed it)."""
    profile = CallProfile.select().where(CallProfile.is_default).first()
    if profile is None:
        profile = CallProfile.create(name="Padrão", is_default=True)
    return profile


def members(profile):
    """Return the extensions whose profile is ``profile`` (extensions without one belong to the default)."""
    query = Extension.select().order_by(Extension.number)
    if profile.is_default:
        return query.where((Extension.profile == profile.id) | Extension.profile.is_null())
    return query.where(Extension.profile == profile.id)


def _validate(data, profile, errors):
    clean = {}
    name = (data.name or "").strip()
    if not name or len(name) > 40 or any(ch in name for ch in ";\n\r"):
        errors["name"] = (N_("Enter a name of at most %(max)d characters, without ;."), {"max": 40})
    elif CallProfile.select().where(CallProfile.name == name,
                                    CallProfile.id != (profile.id if profile else 0)).exists():
        errors["name"] = (N_("Another profile has this name."), {})
    clean["name"] = name
    classes = [name for name in data.classes if name]
    if set(classes) - set(PERMISSION_CLASSES):
        errors["classes"] = (N_("Choose an option from the list."), {})
    clean["classes"] = ",".join(name for name in PERMISSION_CLASSES if name in classes)
    clean["max_external_per_extension"] = in_range(data.max_external_per_extension, "max_external_per_extension",
                                                   CALLS_RANGE, errors)
    clean["max_external_total"] = in_range(data.max_external_total, "max_external_total", CALLS_RANGE, errors)
    clean["international_minutes_per_day"] = in_range(data.international_minutes_per_day,
                                                       "international_minutes_per_day", MINUTES_RANGE, errors)
    clean["recording"], clean["recording_keep_days"] = recording_policy.clean(
        data.recording, data.recording_keep_days, errors)
    clean["recording_prompt"] = recording_policy.clean_prompt(data.recording_prompt_id, errors)
    return clean


def save_profile(data, actor, profile_id=None):
    """Create (``profile_id`` None) or update a profile from ``data`` (ProfileInput); live after commit."""
    with database.atomic():
        profile = get_profile(profile_id) if profile_id is not None else None
        errors = {}
        clean = _validate(data, profile, errors)
        if errors:
            raise ValidationError(errors)
        before = profile.public_fields() if profile else None
        if profile is None:
            profile = CallProfile.create(**clean)
        else:
            for key, value in clean.items():
                setattr(profile, key, value)
            profile.save()
        audit.record(actor, "call_profile.update" if before else "call_profile.create", "call_profile",
                     profile.id, profile.name, before=before, after=profile.public_fields())
        # Its extensions' realtime rows carry the effective recording policy (decision 036).
        numbers = ([extension.number for extension in members(profile).select(Extension.number)]
                   if before and (before.get("recording"), before.get("recording_prompt"))
                   != (profile.recording, profile.recording_prompt_id) else None)
        engine_sync.request([], files=True, numbers=numbers or ())
    return profile


def delete_profile(profile_id, actor):
    """Delete a profile no extension uses; the default profile stays."""
    with database.atomic():
        profile = get_profile(profile_id)
        if profile.is_default:
            raise ValidationError.one("profile", N_("The default profile cannot be deleted."))
        used = members(profile).count()
        if used:
            raise ValidationError.one("profile", N_("%(count)d extension(s) use this profile: move them to another "
                                                    "profile first."), count=used)
        before = profile.public_fields()
        profile.delete_instance()
        audit.record(actor, "call_profile.delete", "call_profile", profile_id, before["name"], before=before)
        engine_sync.request([], files=True)


def apply_to_extensions(profile_id, extension_ids, actor):
    """Give every extension of ``extension_ids`` this profile; their devices follow (no reload). Return the count."""
    with database.atomic():
        profile = get_profile(profile_id)
        ids = sorted({int(value) for value in extension_ids})
        changed = []
        for chunk in chunks(ids):
            changed += list(Extension.select(Extension.id, Extension.number).where(
                Extension.id.in_(chunk), (Extension.profile != profile.id) | Extension.profile.is_null()))
        if not changed:
            return 0
        numbers = [extension.number for extension in changed]
        for chunk in chunks([extension.id for extension in changed]):
            Extension.update(profile=profile.id).where(Extension.id.in_(chunk)).execute()
        usernames = []
        for chunk in chunks([extension.id for extension in changed]):
            usernames += [d.sip_username for d in Device.select(Device.sip_username).where(Device.extension.in_(chunk))]
        audit.record(actor, "call_profile.apply", "call_profile", profile.id, profile.name,
                     after={"extensions": numbers})
        # Moved into a recording profile: the recording steps must be in the dialplan (decision 036).
        engine_sync.request(usernames, files=profile.recording != "never", numbers=numbers)
    return len(changed)


def extensions_named(text, limit=20000):
    """Return the extensions ``text`` names ("201 202 210-219", split by spaces, commas or lines).

    Raise ValidationError for what is not a number or a range, a number no extension has, or more
    than ``limit`` numbers in all (ranges are expanded in memory: many wide ranges must not cost more).
    """
    wanted, bad = set(), []
    for item in re.split(r"[\s,;]+", text or ""):
        if len(wanted) > limit:
            raise ValidationError.one("extensions", N_("At most %(max)d extensions at once."), max=limit)
        if not item:
            continue
        low, dash, high = item.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()) or (dash and len(low) != len(high)) or \
                (dash and int(high) - int(low) > limit):
            bad.append(item)
        elif dash:
            wanted.update(str(n).zfill(len(low)) for n in range(int(low), int(high) + 1))
        else:
            wanted.add(low)
    if len(wanted) > limit:
        raise ValidationError.one("extensions", N_("At most %(max)d extensions at once."), max=limit)
    if bad:
        raise ValidationError.one("extensions", N_("Not an extension number or a range like 210-219: %(items)s."),
                                  items=", ".join(bad[:5]))
    if not wanted:
        raise ValidationError.one("extensions", N_("Enter extension numbers or ranges like 210-219."))
    found = []
    for chunk in chunks(sorted(wanted)):
        found += list(Extension.select(Extension.id, Extension.number).where(Extension.number.in_(chunk)))
    singles = {item for item in re.split(r"[\s,;]+", text or "") if item.isdigit()}
    missing = sorted(singles - {extension.number for extension in found})
    if missing:
        raise ValidationError.one("extensions", N_("No extension has number %(numbers)s."),
                                  numbers=", ".join(missing[:5]))
    return found
