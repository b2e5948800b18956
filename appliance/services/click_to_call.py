"""Click-to-call: ring the person's own phones first, then dial the number from their extension.

Asterisk does the call (AMI Originate); Python only asks for it, so the call goes through
the same ``internal`` dialplan, with the same permissions, as if the person had dialled.
"""
import logging
import math

from appliance import phone_numbers
from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.errors import DomainError, ValidationError
from appliance.i18n import N_
from appliance.services import engine_rows, throttles

log = logging.getLogger(__name__)
#: Seconds the person's own phones ring before the attempt is given up.
ANSWER_SECONDS = 30
#: Calls one person may start per minute: each rings their phones, so more is a mistake or a script.
CALLS_PER_MINUTE = 20


class CallFailed(DomainError):
    """The phone system could not start the call."""


def call(extension, number, actor):
    """Ring ``extension``'s devices; when one answers, call ``number`` from it. Return the AMI ActionID.

    Raises ValidationError for a number that cannot be dialled, CallFailed when the person
    started CALLS_PER_MINUTE calls in the last minute, or the phone system is not running or
    does not answer.
    """
    number = phone_numbers.dialable(number)
    if not extension.enabled:
        raise ValidationError.one("number", N_("Extension %(number)s is disabled."), number=extension.number)
    if number == extension.number:
        raise ValidationError.one("number", N_("That is your own extension."))
    wait = throttles.hit(f"click-to-call:{actor.user_id or actor.username}", CALLS_PER_MINUTE, 60)
    if wait:
        raise CallFailed(N_("Too many calls in a minute: wait %(seconds)d seconds."), seconds=math.ceil(wait))
    engine = control.current()
    if engine is None:
        raise CallFailed(N_("The phone system is not running: the call cannot be placed."))
    # Names are validated free of quotes and angle brackets (services.extensions), so this
    # cannot be bent into another caller ID.
    caller_id = f'"{extension.name}" <{extension.number}>'
    try:
        action_id = engine.ring_then_dial(extension.number, number, caller_id, ANSWER_SECONDS,
                                          context=engine_rows.context_of(extension))
    except AmiError as error:
        log.warning("click-to-call %s -> %s by %s failed: %s", extension.number, number, actor.username, error)
        raise CallFailed(N_("The phone system did not answer: try again in a moment.")) from error
    log.info("click-to-call %s -> %s by %s (%s)", extension.number, number, actor.username, action_id)
    return action_id
