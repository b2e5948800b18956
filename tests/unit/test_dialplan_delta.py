"""Which extensions.conf changes go live by AMI actions, and which still need a reload."""
from appliance.asterisk.dialplan_delta import plan

BASE = """; generated
[general]
static = yes

[internal]
include => cn-features
exten => 600,1,Set(_PICKUPMARK=600)
 same => n,Dial(Local/201@cn-group-member,20)
 same => n(done),Hangup()
exten => _X.,1,NoOp(generic)

[cn-route-7]
exten => _0800XXXXXXX,1,MSet(CN_OUT=+55${EXTEN:1}) ; a comment
 same => n,Goto(cn-dial,${EXTEN},d0)

[cn-hints]
exten => _X.,hint,PJSIP/${EXTEN}&Custom:DND${EXTEN},CustomPresence:${EXTEN}
"""


def _edit(old, new):
    return plan(BASE, BASE.replace(old, new))


def test_nothing_changed_needs_nothing():
    assert plan(BASE, BASE) == []


def test_a_new_route_pattern_is_added_priority_by_priority():
    steps = _edit(" same => n,Goto(cn-dial,${EXTEN},d0)\n",
                  " same => n,Goto(cn-dial,${EXTEN},d0)\nexten => _0300XXXXXXX,1,Set(CN_OUT=\\;x)\n"
                  " same => n,Goto(cn-dial,${EXTEN},d0)\n")
    assert steps == [
        {"Action": "DialplanExtensionAdd", "Context": "cn-route-7", "Extension": "_0300XXXXXXX", "Priority": "1",
         "Application": "Set", "ApplicationData": "CN_OUT=;x", "Replace": "yes"},
        {"Action": "DialplanExtensionAdd", "Context": "cn-route-7", "Extension": "_0300XXXXXXX", "Priority": "2",
         "Application": "Goto", "ApplicationData": "cn-dial,${EXTEN},d0", "Replace": "yes"}]


def test_a_changed_priority_is_replaced_and_a_dropped_one_removed():
    steps = _edit("exten => _0800XXXXXXX,1,MSet(CN_OUT=+55${EXTEN:1}) ; a comment\n"
                  " same => n,Goto(cn-dial,${EXTEN},d0)\n",
                  "exten => _0800XXXXXXX,1,MSet(CN_OUT=${EXTEN})\n")
    assert steps == [
        {"Action": "DialplanExtensionAdd", "Context": "cn-route-7", "Extension": "_0800XXXXXXX", "Priority": "1",
         "Application": "MSet", "ApplicationData": "CN_OUT=${EXTEN}", "Replace": "yes"},
        {"Action": "DialplanExtensionRemove", "Context": "cn-route-7", "Extension": "_0800XXXXXXX",
         "Priority": "2"}]


def test_hints_and_whole_extensions_come_and_go():
    steps = _edit("CustomPresence:${EXTEN}\n",
                  "CustomPresence:${EXTEN}\nexten => 205,hint,PJSIP/205&PJSIP/205b&Custom:DND205,CustomPresence:205\n")
    assert steps == [{"Action": "DialplanExtensionAdd", "Context": "cn-hints", "Extension": "205", "Priority": "hint",
                      "Application": "PJSIP/205&PJSIP/205b&Custom:DND205,CustomPresence:205",
                      "ApplicationData": "", "Replace": "yes"}]
    removed = plan(BASE.replace("CustomPresence:${EXTEN}\n", "CustomPresence:${EXTEN}\nexten => 205,hint,PJSIP/205\n"),
                   BASE)
    assert removed == [{"Action": "DialplanExtensionRemove", "Context": "cn-hints", "Extension": "205"}]


def test_what_only_a_reload_can_do_answers_none():
    assert _edit("include => cn-features\n", "include => cn-features\ninclude => cn-more\n") is None
    assert _edit("static = yes\n", "static = no\n") is None
    assert _edit("(Local/201@cn-group-member,20)", "(Local/202@cn-group-member,20)") is None  # 600 has a label
    assert _edit("[cn-hints]\n", "#include more.conf\n[cn-hints]\n") is None
    assert _edit("exten => _X.,1,NoOp(generic)", "exten => _X./5511,1,NoOp(generic)") is None
    assert plan(BASE, BASE + "[cn-new]\ninclude => internal\n") is None


def test_a_new_context_of_plain_extensions_is_created_by_its_first_add():
    steps = plan(BASE, BASE + "[cn-route-8]\nexten => 190,1,Dial(PJSIP/x)\n")
    assert steps == [{"Action": "DialplanExtensionAdd", "Context": "cn-route-8", "Extension": "190", "Priority": "1",
                      "Application": "Dial", "ApplicationData": "PJSIP/x", "Replace": "yes"}]
