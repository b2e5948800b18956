"""The destination registry: one parse, one label, one dialplan per kind; what points where."""
import pytest

from appliance import destinations
from appliance.destinations import Destination, referrers
from appliance.models.groups import RingGroup
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, groups, numbering

SYSTEM = Actor.system("test")


@pytest.mark.parametrize("text, dialplan", [
    ("hangup", "Hangup()"),
    ("extension:201", "Goto(internal,201,1)"),
    ("voicemail:201", "VoiceMail(201@default,u)"),
    ("ring_group:600", "Goto(internal,600,1)"),
    ("queue:650", "Goto(cn-queues,650,1)"),
])
def test_each_kind_renders_its_dialplan_and_round_trips(text, dialplan):
    destination = destinations.parse(text)
    assert destination.dialplan() == dialplan and str(destination) == text


@pytest.mark.parametrize("text", ["", "group:600", "extension:", "extension:20 1", "extension:201,1",
                                  "voicemail:${EXTEN}", "hangup:1", "nosuchkind:5", "queue:6 0"])
def test_text_that_is_no_destination_is_refused(text):
    assert destinations.find(text) is None
    with pytest.raises(ValueError):
        destinations.parse(text)


def test_a_number_is_the_target_of_its_extension_mailbox_and_group_kinds():
    assert {str(d) for d in destinations.of_number("201")} == {"extension:201", "voicemail:201", "ring_group:201",
                                                                      "queue:201", "conference:201", "callback:201"}


def test_labels_name_the_target(database):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    assert Destination("extension", "201").label() == ("Extension %(label)s", {"label": "201 Ana"})
    assert Destination("ring_group", "600").exists() is False


def test_deleting_an_extension_reroutes_what_pointed_at_it_and_says_so(database):
    for number, name in (("201", "Ana"), ("202", "Bia")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)
    groups.save_ring_group(groups.RingGroupInput("600", "Vendas", members=["201"], destination="voicemail:202"),
                           SYSTEM)
    groups.save_ring_group(groups.RingGroupInput("601", "Suporte", members=["201"], destination="extension:202"),
                           SYSTEM)
    assert len(referrers.pointing_at(destinations.of_number("202"))) == 2

    rerouted = extensions.delete(extensions.find_extension("202").id, SYSTEM)
    assert sorted(r.label()[1]["label"] for r in rerouted) == ["600 Vendas", "601 Suporte"]
    assert {g.destination for g in RingGroup.select()} == {"hangup"}
    assert AuditEntry.select().where(AuditEntry.action == "ring_group.update").count() == 2


def test_a_group_another_group_sends_calls_to_cannot_be_deleted(database):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    target = groups.save_ring_group(groups.RingGroupInput("600", "Vendas", members=["201"]), SYSTEM)
    groups.save_ring_group(groups.RingGroupInput("601", "Suporte", members=["201"], destination="ring_group:600"),
                           SYSTEM)
    with pytest.raises(Exception) as refused:
        groups.delete_ring_group(target.id, SYSTEM)
    assert refused.value.params == {"names": "601 Suporte"}
    assert RingGroup.select().count() == 2


def test_one_numbering_plan_knows_every_owner(database):
    ana, _ = extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    extra = extensions.add_device(ana.id, "Softphone", SYSTEM)
    groups.save_ring_group(groups.RingGroupInput("600", "Vendas", members=["201"]), SYSTEM)
    assert numbering.number_owner("201") == numbering.NumberOwner("extension", ana.id, "Ana")
    assert numbering.number_owner(extra.sip_username).kind == "extension"
    assert numbering.number_owner("600").kind == "ring_group"
    assert numbering.number_owner("*72201").kind == "feature_code"  # a forward code takes what follows it
    assert numbering.number_owner("*97").kind == "feature_code"
    assert numbering.number_owner("700") is None
    errors = {}
    numbering.claim("600", errors)
    assert errors["number"] == ("Number %(number)s is already in use (%(owner)s).", {"number": "600",
                                                                                      "owner": "Vendas"})
    errors = {}
    numbering.claim("600", errors, mine=("ring_group", RingGroup.get().id))
    assert errors == {}
