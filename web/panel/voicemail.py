"""Voicemail: the panel extension's new and heard messages; listen, download, mark heard, delete; the PIN."""
from flask import abort, flash, redirect, request, send_file
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from appliance.errors import NotFound, ValidationError
from appliance.services import voicemail, voicemail_transcripts
from web.access import current_actor
from web.forms import Form, apply_errors
from web.panel import bp
from web.panel.context import panel_extension, panel_url, render_panel
from web.plugins import translate_error

#: Only these characters appear in Asterisk's msg_id ("<epoch>-<hex counter>"); anything else is not one.
MSG_ID_CHARS = frozenset("0123456789abcdefABCDEF-")


class PinForm(Form):
    """A new mailbox PIN, typed twice."""

    pin = PasswordField(_l("New PIN"), validators=[DataRequired(), Length(min=4, max=12)])
    confirm = PasswordField(_l("Repeat the PIN"),
                            validators=[DataRequired(), EqualTo("pin", message=_l("The PINs do not match."))])


def _message(extension, msg_id):
    """Return the extension's message ``msg_id`` or 404: the id is looked up, never used as a path."""
    if not msg_id or len(msg_id) > 64 or not set(msg_id) <= MSG_ID_CHARS:
        abort(404)
    try:
        return voicemail.get_message(extension, msg_id)
    except NotFound:
        abort(404)


def _page(extension, pin_form=None, status=200):
    messages = voicemail.list_messages(extension)
    return render_panel(
        "panel/voicemail/page.html", extension, status=status,
        new=[m for m in messages if m.folder == "INBOX"],
        heard=[m for m in messages if m.folder == "Old"],
        pin_form=pin_form or PinForm(formdata=None),
        engine_running=voicemail.spool_root() is not None,
        transcripts=voicemail_transcripts.of_messages(m.msg_id for m in messages),
    )


@bp.route("/voicemail", endpoint="voicemail")
@login_required
def voicemail_page():
    """List the mailbox: new messages first, then heard ones."""
    return _page(panel_extension())


@bp.route("/voicemail/<msg_id>/audio")
@login_required
def voicemail_audio(msg_id):
    """Send one message's recording, inline for the player or as a download (``?download=1``)."""
    extension = panel_extension()
    message = _message(extension, msg_id)
    if message.audio_path is None:
        abort(404)
    suffix = message.audio_path.suffix.lower()
    stamp = message.received_at.strftime("%Y%m%d-%H%M%S") if message.received_at else message.msg_id
    response = send_file(message.audio_path, mimetype="audio/wav", conditional=True,
                         as_attachment=request.args.get("download") == "1",
                         download_name=f"voicemail-{extension.number}-{stamp}{suffix}", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _change(msg_id, change, done):
    """Apply ``change`` (a voicemail service call) to one message of the panel's mailbox, then say ``done``."""
    extension = panel_extension()
    message = _message(extension, msg_id)
    try:
        change(extension, message.msg_id, current_actor())
    except voicemail.VoicemailUnavailable as error:
        flash(translate_error(error), "error")
        return _page(extension, status=503)
    flash(done, "success")
    return redirect(panel_url("panel.voicemail", extension))


@bp.route("/voicemail/<msg_id>/heard", methods=["POST"])
@login_required
def voicemail_mark_heard(msg_id):
    """Move a new message to the heard ones through Asterisk (the phone's lamp follows)."""
    return _change(msg_id, voicemail.mark_heard, gettext("Message marked as heard."))


@bp.route("/voicemail/<msg_id>/delete", methods=["POST"])
@login_required
def voicemail_delete(msg_id):
    """Delete a message through Asterisk."""
    return _change(msg_id, voicemail.delete_message, gettext("Message deleted."))


@bp.route("/voicemail/pin", methods=["POST"])
@login_required
def voicemail_pin():
    """Change the mailbox PIN."""
    extension = panel_extension()
    form = PinForm()
    if form.validate_on_submit():
        try:
            voicemail.set_voicemail_pin(extension, form.pin.data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Voicemail PIN changed."), "success")
            return redirect(panel_url("panel.voicemail", extension))
    return _page(extension, pin_form=form, status=422)
