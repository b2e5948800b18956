"""Speech models over the API (admins): the Vosk model of each language the VoiceBot speaks, uploaded, replaced,
deleted — the Speech models page's service (decision 045)."""
import functools

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from appliance.services import bots, speech_models
from web.api.auth import actor, requires
from web.api.common import UtcDateTime, json_response

blp = Blueprint("speech_models", __name__, url_prefix="/api/v1/speech-models",
                description="Speech models: a Vosk model per language for the VoiceBot and voicemail transcripts, "
                            "uploaded as the .zip or .tar.gz alphacephei publishes (one folder with am/, conf/, "
                            "graph/). English also has a built-in model.")
LANGUAGE = {"in": "path", "name": "language", "required": True,
            "schema": {"type": "string", "enum": list(bots.LANGUAGES)}}


class SpeechModelSchema(Schema):
    """One language and its installed model (the fields after ``built_in`` are null when none is installed)."""

    language = fields.String()
    installed = fields.Boolean()
    built_in = fields.Boolean(metadata={"description": "The language recognises without a model (English)"})
    size = fields.Integer(allow_none=True, metadata={"description": "Bytes unpacked"})
    installed_at = UtcDateTime(allow_none=True)
    installed_by = fields.String(allow_none=True)
    archive = fields.String(allow_none=True, metadata={"description": "The uploaded file's name"})
    loaded = fields.Boolean(allow_none=True, metadata={"description": "Loaded by vosk before it was installed "
                                                                      "(null: installed by hand, never checked)"})
    load_seconds = fields.Float(allow_none=True)
    bots = fields.List(fields.String(), metadata={"description": "VoiceBots of this language"})
    mailboxes = fields.List(fields.String(), metadata={"description": "Extensions whose voicemail is transcribed "
                                                                      "in this language"})


class SpeechModelListSchema(Schema):
    """Every language the bots speak, with its model."""

    items = fields.List(fields.Nested(SpeechModelSchema))


class ModelUploadSchema(Schema):
    """The model archive: .zip or .tar.gz (checked by content), one top folder holding am/, conf/, graph/."""

    file = Upload(required=True)


def _dump(language, model):
    built_in = language in speech_models.BUILT_IN
    if model is None:
        bot_names, mailboxes = speech_models.users_of(language)
        return {"language": language, "installed": False, "built_in": built_in, "size": None, "installed_at": None,
                "installed_by": None, "archive": None, "loaded": None, "load_seconds": None, "bots": bot_names,
                "mailboxes": mailboxes}
    return {**vars(model), "installed": True, "built_in": built_in}


def _large_upload(view):
    """Let this view's body be a whole model (SPEECH_MODEL_MAX_UPLOAD_MB), not the app's usual limit, spooled to
    disk beside the models."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        request.max_content_length = (current_app.config["SPEECH_MODEL_MAX_UPLOAD_MB"] + 1) * 1024 * 1024
        request._get_file_stream = speech_models.spool_file  # to disk beside the models as it comes, not /tmp
        return view(*args, **kwargs)
    return wrapped


@blp.route("")
class SpeechModels(MethodView):
    """The languages and their models."""

    @requires(blp, "bots:read")
    @blp.response(200, SpeechModelListSchema)
    def get(self):
        """List every language the bots speak with its installed model, who uses it and whether it loaded."""
        rows = [_dump(language, model) for language, model in speech_models.list_models()]
        return json_response(SpeechModelListSchema().dump({"items": rows}))


@blp.route("/<string:language>", parameters=[LANGUAGE])
class SpeechModelItem(MethodView):
    """One language's model."""

    @requires(blp, "bots:write")
    @_large_upload
    @blp.arguments(ModelUploadSchema, location="files")
    @blp.response(200, SpeechModelSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def put(self, files, language):
        """Install or replace the language's model from an archive. It is unpacked with every member checked,
        found to have Vosk's layout and loaded once in a separate process before it takes the old one's place in
        one rename; 422 (errors.file) says why it was refused, and then nothing changed."""
        speech_models.check_language(language)
        upload = files["file"]
        model = speech_models.install(current_app.config, language, upload.filename or "", upload.stream, actor())
        return json_response(SpeechModelSchema().dump(_dump(language, model)))

    @requires(blp, "bots:write")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def delete(self, language):
        """Delete the language's model; 422 (errors.language names them) while VoiceBots of a language with no
        built-in recogniser use it."""
        speech_models.delete(language, actor())
        return json_response(None, 204)
