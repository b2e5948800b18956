"""The configuration as one YAML document (decision 050): export, round trip into a fresh database, upserts,
dry runs, errors by path with nothing changed, prune, no secrets, refused bombs."""
import re
import shutil
from types import SimpleNamespace

import pytest
import yaml

from appliance import db
from appliance.errors import ValidationError
from appliance.models.extensions import Device, Extension
from appliance.models.groups import RingGroup
from appliance.models.ivr import Prompt
from appliance.models.trunks import Trunk
from appliance.models.users import AuditEntry
from appliance.services import (
    Actor,
    blocklist,
    call_profiles,
    engine_sync,
    extensions,
    groups,
    inbound_routes,
    ivrs,
    outbound_routes,
    queues,
    schedules,
    trunks,
)
from web.config_document import export_document, import_document, safe_yaml

ADMIN = Actor.system("test")
TRUNK_PASSWORD = "Trunk-Secret-4711"


def build_configuration():
    """Every kind of object the document holds, pointing at each other (a menu and a schedule in a cycle)."""
    Prompt.create(name="Boas-vindas", source="upload")
    profile = call_profiles.save_profile(call_profiles.ProfileInput("Restrito", ["local"], 1, 0, 0), ADMIN)
    trunk = trunks.save_trunk(trunks.TrunkInput(name="Operadora", host="10.0.0.1", username="conta",
                                                password=TRUNK_PASSWORD), ADMIN)
    ana, _ = extensions.create(extensions.ExtensionInput("201", "Ana"), ADMIN)
    extensions.create(extensions.ExtensionInput("202", "Bia"), ADMIN)
    extensions.update(ana.id, extensions.ExtensionChanges("Ana", True, email="ana@example.com", profile_id=profile.id,
                                                          max_calls=3), ADMIN)
    menu = ivrs.save_ivr(ivrs.IvrInput("Principal", number="500", greeting=Prompt.get().id), ADMIN)
    schedule = schedules.save_schedule(schedules.ScheduleInput(
        name="Comercial", open_destination=f"ivr:{menu.id}", closed_destination="voicemail:201",
        shifts={0: "08:00-18:00", 4: "08:00-17:00"}, custom_dates="12-08 Aniversário"), ADMIN)
    groups.save_ring_group(groups.RingGroupInput("600", "Vendas", "ringall", 20, 15, f"schedule:{schedule.id}",
                                                 ["201", "202"]), ADMIN)
    groups.save_pickup_group("Recepção", ["201", "202"], ADMIN)
    queues.save_queue(queues.QueueInput(number="650", name="Suporte", members=[
        queues.MemberInput("202", 0, True), queues.MemberInput("201", 1, False)], timeout_destination="ring_group:600"),
        ADMIN)
    ivrs.save_ivr(ivrs.IvrInput("Principal", number="500", greeting=Prompt.get().id,
                                options={"1": "ring_group:600", "2": "queue:650", "9": f"schedule:{schedule.id}"}),
                  ADMIN, menu.id)
    for name, pattern in (("Celulares", "0[6-9]XXXXXXXX"), ("Fixos", "0[2-5]XXXXXXX")):
        outbound_routes.save_route(outbound_routes.RouteInput(
            name, "mobile" if name == "Celulares" else "local",
            [outbound_routes.PatternInput(pattern, 1, "", "asis")], [trunk.id]), ADMIN)
    inbound_routes.save_route(inbound_routes.InboundRouteInput(
        did="+551130001000", destination=f"schedule:{schedule.id}", name="Principal"), ADMIN)
    inbound_routes.save_route(inbound_routes.InboundRouteInput(did="", destination="extension:201"), ADMIN)
    blocklist.add(blocklist.BlockInput("in", "exact", "+5511999990000", "", "Telemarketing"), ADMIN)
    blocklist.add(blocklist.BlockInput("out", "prefix", "0900", "", ""), ADMIN)


def fresh(tmp_path, migrated_database_file, name):
    """Bind the models to a new copy of the migrated database (another box)."""
    db.close()
    shutil.copyfile(migrated_database_file, tmp_path / name)
    db.init(f"sqlite:///{tmp_path / name}")
    Prompt.create(name="Boas-vindas", source="upload")  # prompts are sound files: on the box already


def syncs(monkeypatch):
    """Make engine_sync believe an engine runs; return the list of syncs it then runs after commits."""
    synced = []
    monkeypatch.setattr(engine_sync, "_engine", SimpleNamespace(settings=SimpleNamespace(jitsi_dialin_number="")))
    monkeypatch.setattr(engine_sync, "sync", lambda *args, **kwargs: synced.append(kwargs))
    return synced


@pytest.fixture
def configured(database):
    build_configuration()
    return export_document()


def test_numbers_written_without_quotes_are_read_as_written(configured):
    # People write `number: 201` and IVR keys `1:`; YAML reads those as integers. A text field gets the
    # digits back, so the unquoted document says exactly what the exported one says.
    unquoted = re.sub(r"'([0-9]+)'", r"\1", configured)
    assert "number: 201" in unquoted and "  1: ring_group:600" in unquoted

    outcome = import_document(unquoted, ADMIN, dry_run=True)

    assert (outcome.created, outcome.changed, outcome.deleted) == ({}, {}, {}), outcome


def test_a_leading_zero_or_octal_looking_number_stays_the_text_written():
    # YAML 1.1 reads 0700 as 448: only plain decimals become integers here.
    assert safe_yaml.load("a: 0700\nb: 201\nc: 0x1F\n") == {"a": "0700", "b": 201, "c": "0x1F"}


def test_round_trip_into_a_fresh_database_gives_the_same_text(configured, tmp_path, migrated_database_file):
    document = yaml.safe_load(configured)
    assert document["version"] == 1
    assert [e["number"] for e in document["extensions"]] == ["201", "202"]
    assert document["ring_groups"][0]["destination"] == "schedule:Comercial"  # names, never ids
    assert document["ivrs"][0]["greeting"] == "Boas-vindas"
    assert document["outbound_routes"][0]["trunks"] == ["Operadora"]
    assert "id" not in document["extensions"][0]
    assert configured == export_document()  # stable

    fresh(tmp_path, migrated_database_file, "other.db")
    outcome = import_document(configured, ADMIN)
    assert outcome.created == {  # the default profile is on every box already: unchanged
        "call_profiles": ["Restrito"], "trunks": ["Operadora"], "extensions": ["201", "202"], "ring_groups": ["600"],
        "pickup_groups": ["Recepção"], "queues": ["650"], "ivrs": ["Principal"], "schedules": ["Comercial"],
        "outbound_routes": ["Celulares", "Fixos"],
        "inbound_routes": ["*", "+551130001000"], "blocklist": ["in exact +5511999990000", "out prefix 0900"]}
    assert sorted(number for number, _, _ in outcome.new_passwords) == ["201", "202"]
    assert outcome.trunks_without_password == ["Operadora"]
    assert export_document() == configured

    again = import_document(configured, ADMIN, dry_run=True)
    assert again.counts() == {"created": 0, "changed": 0, "deleted": 0, "unchanged": outcome.counts()["created"] + 1}


def test_no_secret_is_ever_exported(configured):
    assert TRUNK_PASSWORD not in configured
    for device in Device.select():
        assert device.sip_password not in configured
    for extension in Extension.select():
        assert f": '{extension.voicemail_pin}'" not in configured
    body = configured.split("version: 1", 1)[1]  # the header says "no passwords"
    assert "password" not in body and "pin" not in body.lower() and "secret" not in body.lower()


def test_an_edited_document_changes_only_what_it_changes(configured):
    document = yaml.safe_load(configured)
    document["extensions"][1]["name"] = "Beatriz"
    document["ring_groups"][0]["members"] = ["202"]
    document["queues"].append({"number": "651", "name": "Vendas fila", "members": [{"number": "201"}]})
    document["trunks"][0]["host"] = "10.0.0.2"
    text = safe_yaml.dump(document)
    passwords_before = {device.sip_username: device.sip_password for device in Device.select()}

    dry = import_document(text, ADMIN, dry_run=True)
    assert dry.changed == {"trunks": ["Operadora"], "extensions": ["202"], "ring_groups": ["600"]}
    assert dry.created == {"queues": ["651"]}
    assert dry.new_passwords == []
    assert export_document() == configured  # a dry run writes nothing

    done = import_document(text, ADMIN)
    assert done.counts() == dry.counts()
    assert Extension.get(Extension.number == "202").name == "Beatriz"
    assert groups.member_numbers(RingGroup.get(RingGroup.number == "600")) == ["202"]
    # Secrets are kept on update: the trunk's password, the devices' passwords.
    assert Trunk.get(Trunk.name == "Operadora").password == TRUNK_PASSWORD
    assert {device.sip_username: device.sip_password for device in Device.select()} == passwords_before


def test_a_bad_field_deep_in_the_document_is_reported_by_path_and_changes_nothing(configured, monkeypatch):
    synced = syncs(monkeypatch)
    audit_entries = AuditEntry.select().count()
    document = yaml.safe_load(configured)
    document["extensions"][1]["name"] = "Beatriz"  # fine, but must not be written either
    document["queues"][0]["members"][1]["penalty"] = "many"  # a type error
    document["ivrs"][0]["options"]["1"] = "ring_group:699"  # no such group: the service says so
    with pytest.raises(ValidationError) as refused:
        import_document(safe_yaml.dump(document), ADMIN)
    assert set(refused.value.fields) == {"queues[0].members.1.penalty"}

    document["queues"][0]["members"][1]["penalty"] = 2
    with pytest.raises(ValidationError) as refused:
        import_document(safe_yaml.dump(document), ADMIN)
    assert list(refused.value.fields) == ["ivrs[0].options.1"]  # the service's message, at the document's path
    assert export_document() == configured
    assert AuditEntry.select().count() == audit_entries
    assert synced == [] and getattr(engine_sync._pending, "wanted", None) is None


def test_a_successful_import_syncs_the_engine_once(configured, monkeypatch):
    synced = syncs(monkeypatch)
    document = yaml.safe_load(configured)
    for extension in document["extensions"]:
        extension["name"] += " X"
    document["ring_groups"][0]["ring_seconds"] = 30
    import_document(safe_yaml.dump(document), ADMIN)
    assert len(synced) == 1


def test_prune_deletes_what_the_document_leaves_out(configured):
    document = yaml.safe_load(configured)
    document["extensions"] = [e for e in document["extensions"] if e["number"] == "201"]
    document["blocklist"] = document["blocklist"][:1]
    document["queues"][0]["members"] = [m for m in document["queues"][0]["members"] if m["number"] == "201"]
    document["ring_groups"][0]["members"] = document["pickup_groups"][0]["members"] = ["201"]
    text = safe_yaml.dump(document)
    kept = import_document(text, ADMIN)
    assert kept.deleted == {}
    assert Extension.select().count() == 2  # without prune nothing is deleted

    dry = import_document(text, ADMIN, prune=True, dry_run=True)
    assert dry.deleted == {"extensions": ["202"], "blocklist": ["out prefix 0900"]}
    assert Extension.select().count() == 2
    import_document(text, ADMIN, prune=True)
    assert [e.number for e in Extension.select()] == ["201"]

    # Pruning an extension something kept still calls is refused (deleting would point it at hang-up).
    document["extensions"] = [{"number": "203", "name": "Caio"}]
    document["ring_groups"][0]["members"] = document["queues"][0]["members"] = []
    document["pickup_groups"][0]["members"] = []
    with pytest.raises(ValidationError) as refused:
        import_document(safe_yaml.dump(document), ADMIN, prune=True)
    assert list(refused.value.fields) == ["extensions[201].number"]
    assert [e.number for e in Extension.select()] == ["201"]
    assert import_document(text, ADMIN, prune=True, dry_run=True).counts()["unchanged"] == 14


@pytest.mark.parametrize(("text", "says"), [
    ("a: &a [1,2]\nb: *a\n", "anchors"),
    ("version: 1\nextensions: [" + ",".join(["{number: '201'}"] * 3) + "]\n: :", "YAML"),
    (b"\xff\xfe", "UTF-8"),
    ("- 1\n- 2\n", "mapping"),
])
def test_unsafe_or_malformed_documents_are_refused_clearly(database, text, says):
    with pytest.raises(ValidationError) as refused:
        import_document(text, ADMIN)
    assert list(refused.value.fields) == ["document"]
    assert says in refused.value.message % refused.value.params


def test_a_billion_laughs_and_an_oversize_document_are_refused(database, monkeypatch):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    with pytest.raises(ValidationError, match="anchors"):
        import_document(bomb, ADMIN)
    monkeypatch.setattr(safe_yaml, "MAX_BYTES", 1000)
    with pytest.raises(ValidationError, match="larger"):
        import_document("version: 1\n" + "#" * 1001, ADMIN)
    monkeypatch.setattr(safe_yaml, "MAX_EVENTS", 50)
    with pytest.raises(ValidationError, match="values"):
        import_document("version: 1\nblocklist: [" + ", ".join(["{}"] * 60) + "]\n", ADMIN)
