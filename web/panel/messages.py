"""The messages tab: the panel extension's conversations, one conversation's messages, and compose.

Messages go to another extension (SIP MESSAGE to its phones) or to a phone number (SMS through
the provider of the extension's SMS number); the service stores each one before it is sent.
"""
from flask import flash, redirect, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import StringField, TextAreaField

from appliance.errors import PermissionDenied, ValidationError
from appliance.services import sms
from web.access import current_actor
from web.forms import Form, apply_errors
from web.panel import bp
from web.panel.context import panel_extension, panel_url, render_panel
from web.plugins import is_htmx, translate_error

#: Statuses still moving: the open conversation polls while one of its messages has one.
PENDING = ("queued", "sending", "accepted")
STATUS_LABELS = {"queued": _l("Queued"), "sending": _l("Sending"), "accepted": _l("Sent"),
                 "delivered": _l("Delivered"), "failed": _l("Failed"), "received": _l("Received")}
THREAD_LENGTH = 100


class ComposeForm(Form):
    """A message: to an extension or a phone number; the SMS service validates both fields."""

    to = StringField(_l("To (extension or phone number)"))
    body = TextAreaField(_l("Message"))


def _thread(extension, peer):
    if not peer:
        return []
    rows = list(sms.list_messages(extension, peer=peer).limit(THREAD_LENGTH))
    return list(reversed(rows))


def _page(extension, form, peer, status=200):
    thread = _thread(extension, peer)
    context = {"form": form, "peer": peer, "thread": thread, "status_labels": STATUS_LABELS,
               "polling": any(m.direction == "out" and m.status in PENDING for m in thread)}
    if is_htmx() and request.method == "GET" and request.args.get("part") == "thread":
        return render_panel("panel/messages/_thread.html", extension, **context)
    return render_panel("panel/messages/page.html", extension, status=status,
                        conversations=sms.conversations(extension), **context)


@bp.route("/messages", methods=["GET", "POST"], endpoint="messages")
@login_required
def messages_page():
    """Show the conversations and the open one; send a message."""
    extension = panel_extension()
    peer = request.args.get("peer", "")[:20]
    form = ComposeForm(data={"to": peer})
    if form.validate_on_submit():
        try:
            message = sms.send(extension, sms.SendInput(form.to.data, form.body.data), current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.form_errors.append(translate_error(error))
        else:
            flash(gettext("Message queued."), "success")
            return redirect(panel_url("panel.messages", extension, peer=message.peer))
    return _page(extension, form, peer, status=form.status)
