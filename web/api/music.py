"""Music on hold over the API (admins): classes of uploaded sounds queues play — the Music on hold pages' service."""
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, pre_dump

from appliance.asterisk.names import moh_class_name
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.models.moh import MohClass
from appliance.services import music_on_hold
from web.api.auth import actor, requires
from web.api.common import ID, json_response, length, pattern, respond
from web.api.crud import Resource, register, written
from web.api.extensions import NAME

blp = Blueprint("music", __name__, url_prefix="/api/v1",
                description="Music on hold: classes of uploaded sounds (WAV, MP3, OGG, M4A) that queues play.")


class MohFileSchema(Schema):
    """One sound of a class."""

    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    duration = fields.Float(dump_only=True, metadata={"description": "Seconds"})


class MohClassSchema(Schema):
    """A music class; a queue plays it when its ``moh_class`` is this class's ``musicclass``."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    musicclass = fields.String(dump_only=True, metadata={"description": "cn-moh-<id>: a queue's moh_class"})
    files = fields.List(fields.Nested(MohFileSchema), dump_only=True)

    @pre_dump
    def _with_files(self, found, **kwargs):
        return {**found.__data__, "musicclass": moh_class_name(found.id),
                "files": music_on_hold.files_of(found)}


class MohUploadFile(Schema):
    """A WAV, MP3, OGG or M4A file (checked by content, converted for the phone system)."""

    file = Upload(required=True)


register(blp, Resource(
    "MohClass", "/moh-classes", "class_id", MohClassSchema, ("queues:read", "queues:write"), MohClass.select,
    MohClass.id, music_on_hold.get_class, music_on_hold.save_class, music_on_hold.delete_class,
    to_input=lambda data: music_on_hold.MohClassInput(data["name"]), noun="music class",
    docs={"delete": "Delete a music class and its sounds; refused (422) while a queue plays it."}))


@blp.route(f"/moh-classes/<{ID}:class_id>/files")
class MohFiles(MethodView):
    """A class's sounds."""

    @requires(blp, "queues:write")
    @blp.arguments(MohUploadFile, location="files")
    @blp.response(201, MohFileSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, files, class_id):
        """Add a sound (WAV, MP3, OGG or M4A; 422 when it holds no readable sound); live at once."""
        upload = files["file"]
        row = music_on_hold.upload_file(class_id, upload.filename or "sound", upload.stream, actor())
        return respond(MohFileSchema, row, 201)


@blp.route(f"/moh-classes/<{ID}:class_id>/files/<{ID}:file_id>")
class MohFileItem(MethodView):
    """One sound of a class."""

    @requires(blp, "queues:write")
    @written(blp, 204)
    def delete(self, class_id, file_id):
        """Remove a sound from its class."""
        if not any(row.id == file_id for row in music_on_hold.files_of(music_on_hold.get_class(class_id))):
            raise NotFound(N_("Sound not found."))
        music_on_hold.delete_file(class_id, file_id, actor())
        return json_response(None, 204)
