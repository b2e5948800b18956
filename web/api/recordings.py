"""Call recordings: list with filters, read, download (audited) and delete; through services/recordings.py,
the same checks as the call history's player (decision 036).

Who sees what: an admin's or a service token sees every recording; a person's (personal token,
``recordings:read``) only those of calls one of their extensions took part in. Any other id answers
404 exactly as an id that does not exist. Each download writes an audit entry before the file is sent.
"""
from flask import current_app, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.errors import PermissionDenied
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.recordings import Recording
from appliance.services import recordings, supervision
from web.api.auth import actor, principal, requires
from web.api.common import (
    ID,
    PageArgs,
    UtcDateTime,
    check_if_match,
    json_response,
    length,
    naive_utc,
    one_of,
    page,
    page_schema,
    pattern,
    respond,
)
from web.api.crud import written

blp = Blueprint("recordings", __name__, url_prefix="/api/v1/recordings",
                description="Call recordings: who may list and download them, every download audited.")


class RecordingSchema(Schema):
    """A recording: one recorded stretch of a call (stereo: the recorded party left, the other right)."""

    id = fields.Integer()
    linkedid = fields.String(metadata={"description": "The call's linkedid, as in its call records"})
    started_at = UtcDateTime()
    seconds = fields.Integer()
    size = fields.Integer(metadata={"description": "Bytes of the compressed file"})
    call_found = fields.Boolean(metadata={"description": "False: stored without its call record"})
    keep_days = fields.Integer(metadata={"description": "Days it is kept; 0: until deleted by hand"})
    kept_for = fields.String(metadata={"description": "Whose retention applies (e.g. queue 700, setting)"})
    delete_after = UtcDateTime(allow_none=True)


class RecordingFilter(PageArgs):
    """Filters: the call's start (UTC), a party's extension or number, the direction."""

    since = fields.DateTime(load_default=None)
    until = fields.DateTime(load_default=None)
    extension = fields.String(load_default="", validate=[length(max=8), pattern(r"^[0-9]*$")])
    number = fields.String(load_default="", validate=[length(max=40), pattern(r"^\+?[0-9]*$")])
    direction = fields.String(load_default="", validate=one_of(("", *recordings.DIRECTIONS)))


def _scope():
    """Return ``(extension numbers, queue names)`` whose calls this token sees: ``(None, ())`` for all
    (admins, service tokens); a supervisor also sees the calls of the queues they watch."""
    owner = principal().user
    if owner is None or owner.role == "admin":
        return None, ()
    numbers = [number for (number,) in Extension.select(Extension.number).where(Extension.user == owner.id).tuples()]
    return numbers, supervision.watched_queue_names(owner)


@blp.route("")
@requires(blp, "recordings:read")
@blp.arguments(RecordingFilter, location="query")
@blp.response(200, page_schema(RecordingSchema))
def recording_list(args):
    """List recordings, newest first (a person: their extension's calls; a supervisor: also their queues')."""
    numbers, queues = _scope()
    query = recordings.search(numbers, naive_utc(args["since"]), naive_utc(args["until"]), args["extension"],
                              args["number"], args["direction"], queues)
    return page(RecordingSchema, query, Recording.id, args, newest_first=True)


@blp.route(f"/<{ID}:recording_id>")
class RecordingItem(MethodView):
    """One recording."""

    @requires(blp, "recordings:read")
    @blp.response(200, RecordingSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, recording_id):
        """Read a recording's details."""
        return respond(RecordingSchema, recordings.visible(recording_id, *_scope()))

    @requires(blp, "recordings:write")
    @written(blp, 204)
    def delete(self, recording_id):
        """Delete a recording's audio (admins and service tokens); the row stays, marked, and it is audited."""
        owner = principal().user
        if owner is not None and owner.role != "admin":
            recordings.visible(recording_id, *_scope())  # someone else's: 404 as for no such id
            raise PermissionDenied(N_("Only administrators delete recordings."))
        check_if_match(RecordingSchema, recordings.visible(recording_id))
        recordings.delete_recording(recording_id, actor(), recordings.store_dir(current_app.config))
        return json_response(None, 204)


@blp.route(f"/<{ID}:recording_id>/audio")
class RecordingAudio(MethodView):
    """A recording's audio."""

    @requires(blp, "recordings:read")
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="audio/ogg")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, recording_id):
        """Download the recording (ogg/opus or mp3, as stored); each download is audited first."""
        recording = recordings.visible(recording_id, *_scope())
        path = recordings.open_for(actor(), recording, "downloaded", recordings.store_dir(current_app.config))
        response = send_file(path, mimetype=recordings.content_type(recording), as_attachment=True,
                             download_name=f"recording-{recording.id}.{path.suffix.lstrip('.')}", max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response
