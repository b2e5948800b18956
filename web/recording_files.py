"""Serving a call recording's audio to the browser: one home for the panel's and the call center's links."""
from flask import abort, current_app, request, send_file

from appliance.errors import NotFound
from appliance.services import recordings
from web.access import current_actor


def serve(recording, action, as_attachment, label):
    """Answer ``recording``'s audio (the caller checked who may); audit the listen or download first.

    A player asks for the file in ranges as it plays: only its first request (or a download) is an
    audited listen. ``label`` names the downloaded file (an extension or a queue number).
    """
    store = recordings.store_dir(current_app.config)
    ranged = request.headers.get("Range", "")
    if as_attachment or not ranged or ranged.startswith("bytes=0-"):
        try:
            path = recordings.open_for(current_actor(), recording, action, store)
        except NotFound:
            abort(404)
    else:
        path = store / recording.path
        if not path.is_file():
            abort(404)
    name = f"call-{recording.started_at:%Y%m%d-%H%M%S}-{label}.{path.suffix.lstrip('.')}"
    response = send_file(path, mimetype=recordings.content_type(recording), as_attachment=as_attachment,
                         download_name=name, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
