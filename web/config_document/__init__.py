"""The telephony configuration as one YAML document (config as code): export, and import all or nothing.

The document lists each section (``sections.SECTIONS``) as the API's resources, keyed by natural
keys (numbers, names), never ids, in a stable order, with no secret in it. Importing is a
declarative upsert: every item is loaded by the section's schema (all errors reported with their
path, ``extensions[3].number``), then applied in ONE transaction through the pages' services:
rows pointed at by destinations are created first with harmless destinations (menus and schedules
may point at each other), then every new or changed item is saved, then (``prune``) rows the
document leaves out are deleted. Any error rolls everything back and drops the engine sync the
services asked for; a dry run does all of it and rolls back, answering what would change. A
successful import asks for one engine sync after its commit, whatever it touched.
"""
from dataclasses import dataclass, field

from marshmallow import ValidationError as SchemaError
from marshmallow import fields

from appliance.db import database
from appliance.errors import DomainError, ValidationError
from appliance.i18n import N_
from appliance.services import audit, engine_sync
from web.config_document import references, safe_yaml
from web.config_document.sections import SECTIONS

#: The document's format; an import refuses any other.
VERSION = 1
HEADER = ("# Centralina telephony configuration (config as code).\n"
          "# References are numbers and names, never database ids; no passwords or secrets are written.\n"
          "# Import it on the Telephony > Configuration as YAML page or with POST /api/v1/config.\n")
#: The most items one section may hold.
MAX_ITEMS = 20000


@dataclass
class Outcome:
    """What an import did (or, in a dry run, would do): per section the natural keys created, changed, deleted."""

    dry_run: bool
    created: dict = field(default_factory=dict)
    changed: dict = field(default_factory=dict)
    deleted: dict = field(default_factory=dict)
    unchanged: int = 0
    #: New extensions' first devices: (extension number, SIP user name, password), shown once (not in a dry run).
    new_passwords: list = field(default_factory=list)
    #: New registration trunks given a random password: names (the carrier's password must be typed in).
    trunks_without_password: list = field(default_factory=list)

    def counts(self):
        """Return {"created": n, "changed": n, "deleted": n, "unchanged": n}."""
        return {"created": sum(map(len, self.created.values())), "changed": sum(map(len, self.changed.values())),
                "deleted": sum(map(len, self.deleted.values())), "unchanged": self.unchanged}


def export_document():
    """Return the whole telephony configuration as YAML text (same configuration, same text)."""
    document = {"version": VERSION}
    with references.remembered():
        for section in SECTIONS:
            document[section.name] = [section.export(row) for row in section.rows()]
    return safe_yaml.dump(document, HEADER)


class _DryRun(Exception):
    """Raised to roll a dry run back once it has done everything."""


def import_document(data, actor, prune=False, dry_run=False):
    """Apply the YAML document ``data`` (text or bytes); return its Outcome, or raise ValidationError by path."""
    document = safe_yaml.load(data)
    loaded = _load(document)
    outcome = Outcome(dry_run=dry_run)
    try:
        with engine_sync.dropped_on_error(), database.atomic(), references.remembered():
            errors = _apply(loaded, actor, prune, outcome)
            if errors:
                raise ValidationError(errors)
            audit.record(actor, "config.import", "config", "", "yaml", after={**outcome.counts(), "prune": prune})
            if dry_run:
                raise _DryRun
    except _DryRun:
        outcome.new_passwords = []
    return outcome


def _load(document):
    """Return {section name: [(index, loaded item)]} or raise ValidationError with every schema error's path."""
    if not isinstance(document, dict):
        safe_yaml.refuse(N_("The document must be a mapping of sections (version, extensions, …)."))
    errors = {}
    if document.get("version") != VERSION:
        errors["version"] = (N_("This document's version is not supported (expected %(version)d)."),
                             {"version": VERSION})
    known = {section.name for section in SECTIONS}
    for name in document:
        if name != "version" and name not in known:
            errors[str(name)] = (N_("Unknown section."), {})
    loaded = {}
    for section in SECTIONS:
        if section.name not in document:
            continue  # a section left out is not touched
        items = document[section.name]
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            errors[section.name] = (N_("Give a list of at most %(max)d items."), {"max": MAX_ITEMS})
            continue
        loaded[section.name] = rows = []
        seen = {}
        for index, item in enumerate(items):
            path = f"{section.name}[{index}]"
            if not isinstance(item, dict):
                errors[path] = (N_("Give a mapping of fields."), {})
                continue
            try:
                schema = section.schema()
                value = schema.load(numbers_as_text(schema, item))
            except SchemaError as error:
                errors.update(_paths(error.messages, path))
                continue
            key = section.key_of(value)
            if key in seen:
                errors[f"{path}.{section.key[0]}"] = (N_("Already given in %(path)s."),
                                                      {"path": f"{section.name}[{seen[key]}]"})
                continue
            seen[key] = index
            rows.append((index, value))
    if errors:
        raise ValidationError(errors)
    return loaded


def numbers_as_text(schema, data):
    """Return ``data`` with every integer a text field of ``schema`` gets as the digits written.

    YAML reads ``number: 201`` as the integer 201; the extension's number is the text "201". Only
    plain decimals load as integers (safe_yaml), so the digits are the ones written.
    """
    if not isinstance(data, dict):
        return data
    converted = dict(data)
    for name, declared in schema.fields.items():
        key = declared.data_key or name
        if key in converted:
            converted[key] = _as_field_wants(declared, converted[key])
    return converted


def _as_field_wants(declared, value):
    if isinstance(declared, fields.String) and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(declared, fields.Nested):
        if isinstance(value, list):
            return [numbers_as_text(declared.schema, item) for item in value]
        return numbers_as_text(declared.schema, value)
    if isinstance(declared, fields.List) and isinstance(value, list):
        return [_as_field_wants(declared.inner, item) for item in value]
    if isinstance(declared, fields.Dict) and isinstance(value, dict):
        keys, values = declared.key_field, declared.value_field
        return {(_as_field_wants(keys, key) if keys else key): (_as_field_wants(values, item) if values else item)
                for key, item in value.items()}
    return value


def _paths(messages, prefix):
    """Flatten marshmallow's nested messages into {"<prefix>.field.0.inner": (message, {})}."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            flat.update(_paths(value, f"{prefix}.{key}" if key != "_schema" else prefix))
    elif isinstance(messages, list) and messages and not all(isinstance(m, str) for m in messages):
        for index, value in enumerate(messages):
            flat.update(_paths(value, f"{prefix}.{index}"))
    else:
        first = messages[0] if isinstance(messages, list) and messages else messages
        flat[prefix] = (str(first), {})
    return flat


def _domain_errors(error, path, section=None):
    """Return a service's error as {path.field: (message, params)}."""
    if isinstance(error, ValidationError):
        return {f"{path}.{section.field_path(name) if section else name}": reason
                for name, reason in error.fields.items()}
    return {path: (error.message, error.params)}


def _apply(loaded, actor, prune, outcome):
    """Write the loaded document through the services; return the errors by path (empty: all written)."""
    errors = {}
    existing = {section.name: {section.key_of(section.export(row)): row for row in section.rows()}
                for section in SECTIONS if section.name in loaded}
    created_early = set()
    early_done = False
    for section in SECTIONS:
        if section.placeholder is not None and not early_done:
            # Rows that destinations point at (menus and schedules may point at each other): created
            # first with harmless destinations, once what they need (extensions) is written.
            early_done = True
            if not errors:
                _create_early(loaded, existing, actor, created_early, errors)
        if section.name in loaded:
            _save_section(section, loaded[section.name], existing[section.name], created_early, actor, outcome,
                          errors)
    if "outbound_routes" in loaded and not errors:
        _reorder(loaded["outbound_routes"], actor)
    if prune and not errors:
        _prune(loaded, existing, actor, outcome, errors)
    return errors


def _create_early(loaded, existing, actor, created_early, errors):
    for section in SECTIONS:
        if section.placeholder is None or section.name not in loaded:
            continue
        for index, item in loaded[section.name]:
            key = section.key_of(item)
            if key in existing[section.name]:
                continue
            path = f"{section.name}[{index}]"
            found = {}
            data = section.resolve({**item, **section.placeholder}, path, found)
            if found:
                continue  # reported when the whole item is saved
            try:
                existing[section.name][key], _ = section.save(data, actor)
                created_early.add((section.name, key))
            except DomainError as error:
                errors.update(_domain_errors(error, path, section))


def _save_section(section, items, rows, created_early, actor, outcome, errors):
    for index, item in items:
        path = f"{section.name}[{index}]"
        key = section.key_of(item)
        row = rows.get(key)
        new = row is None or (section.name, key) in created_early
        if not new and not _changed(section, row, item):
            outcome.unchanged += 1
            continue
        found = {}
        data = section.resolve(item, path, found)
        if found:
            errors.update(found)
            continue
        try:
            saved, notes = section.save(data, actor, row)
        except DomainError as error:
            errors.update(_domain_errors(error, path, section))
            continue
        rows[key] = saved
        (outcome.created if new else outcome.changed).setdefault(section.name, []).append(section.label(key))
        if notes and "device" in notes:
            outcome.new_passwords.append(notes["device"])
        if notes and "trunk_password" in notes:
            outcome.trunks_without_password.append(notes["trunk_password"])


def _changed(section, row, item):
    """Tell whether the loaded ``item`` differs from ``row`` in a field it gives (both read by the same schema)."""
    if section.differs(row, item):
        return True
    try:
        current = section.schema().load(section.export(row))
    except SchemaError:
        return True  # stored values the schema would refuse: the document's replace them
    return any(current.get(name) != value for name, value in item.items())


def _reorder(items, actor):
    """Put the document's routes first, in its order; routes it leaves out (not pruned) keep theirs after."""
    from appliance.services import outbound_routes

    names = [item["name"] for _, item in items]
    routes = {route.name: route.id for route in outbound_routes.list_routes()}
    order = [routes[name] for name in names if name in routes]
    order += [route_id for name, route_id in routes.items() if name not in names]
    if order != list(routes.values()):
        outbound_routes.reorder(order, actor)


def _prune(loaded, existing, actor, outcome, errors):
    """Delete the rows of the document's sections that it leaves out, pointing rows before pointed-at ones."""
    for section in reversed(SECTIONS):
        if section.name not in loaded:
            continue  # a section the document leaves out is not touched
        wanted = {section.key_of(item) for _, item in loaded[section.name]}
        for key, row in existing[section.name].items():
            if key in wanted or (section.name == "call_profiles" and row.is_default):
                continue
            try:
                section.remove(row, actor)
            except DomainError as error:
                errors.update(_domain_errors(error, f"{section.name}[{section.label(key)}]"))
                continue
            outcome.deleted.setdefault(section.name, []).append(section.label(key))
