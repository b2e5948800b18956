"""The dialplan builder writes one format and refuses values that would change the dialplan's structure."""
import pytest

from appliance.asterisk.confgen.dialplan import Context, Note, Step, at, render


def test_steps_become_numbered_priorities_with_labels():
    context = Context("demo", "why this context exists").include("other")
    context.exten("_2XX", "Answer()", Note("then the devices"), at("dial", "Dial(PJSIP/${EXTEN})"), "Goto(dial)")
    assert context.lines() == [
        "[demo]", "; why this context exists", "include => other",
        "exten => _2XX,1,Answer()", "; then the devices", " same => n(dial),Dial(PJSIP/${EXTEN})",
        " same => n,Goto(dial)",
    ]
    assert render("; header", context).startswith("; header\n\n[demo]\n")


@pytest.mark.parametrize("build", [
    lambda c: c.exten("201", "Set(X=1)\nexten => 666,1,System(id)"),
    lambda c: c.exten("201", "Playback(x;y)"),
    lambda c: c.exten("201,1", "Answer()"),
    lambda c: c.exten("201", at("a", "Answer()"), at("a", "Hangup()")),
    lambda c: c.exten("201", Step("Answer()", label="bad label")),
    lambda c: c.hint("201", ["PJSIP/201\n"]),
    lambda c: c.include("x\n[evil]"),
])
def test_values_that_would_change_the_structure_are_refused(build):
    with pytest.raises(ValueError):
        build(Context("demo"))


def test_an_escaped_semicolon_is_allowed():
    assert Context("demo").exten("201", r"Set(X=a\;b)").lines()[-1] == r"exten => 201,1,Set(X=a\;b)"
