"""IVR menus (URAs) and the prompt library (admins): the same services as the IVR pages."""
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, pre_dump

from appliance.asterisk.confgen.ivr import KEYS
from appliance.audio import tts
from appliance.models.ivr import Ivr, Prompt
from appliance.services import ivrs, prompts
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    IF_MATCH,
    JsonBoolean,
    JsonInteger,
    PageArgs,
    check_if_match,
    json_response,
    length,
    linked,
    one_of,
    page,
    page_schema,
    pattern,
    respond,
    value_range,
)
from web.api.crud import Resource, register
from web.api.extensions import NAME

blp = Blueprint("ivrs", __name__, url_prefix="/api/v1",
                description="IVR menus (URAs) and the prompts they play.")
NUMBER = r"^([1-9][0-9]{1,7})?$"
PROMPT, MENU = "/api/v1/prompts/{prompt_id}", "/api/v1/ivrs/{ivr_id}"


class PromptSchema(Schema):
    """A prompt of the library; its audio is at ``/prompts/{id}/audio`` (WAV)."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    source = fields.String(dump_only=True, metadata={"description": "upload, tts or phone"})
    language = fields.String(dump_only=True)
    text = fields.String(dump_only=True)
    duration = fields.Float(dump_only=True, metadata={"description": "Seconds"})


class SpeechSchema(Schema):
    """A prompt spoken by text to speech."""

    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    text = fields.String(required=True, validate=length(min=1, max=tts.MAX_TEXT))
    language = fields.String(load_default="pt-BR", validate=one_of(tts.LANGUAGES))


class UploadArgs(Schema):
    """The new prompt's name."""

    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])


class UploadFile(Schema):
    """A WAV, MP3, OGG or M4A file (checked by content, converted for the phone system)."""

    file = Upload(required=True)


class IvrSchema(Schema):
    """A menu: keys (0-9, *, #) to destinations, direct dial, what happens on silence or a wrong key."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])
    number = fields.String(load_default="", validate=pattern(NUMBER), metadata={"description": "Optional"})
    greeting = JsonInteger(load_default=None, allow_none=True, validate=value_range(min=1, max=2147483647))
    timeout_seconds = JsonInteger(load_default=5, validate=value_range(min=1, max=60))
    timeout_prompt = JsonInteger(load_default=None, allow_none=True, validate=value_range(min=1, max=2147483647))
    timeout_retries = JsonInteger(load_default=2, validate=value_range(min=0, max=10))
    invalid_prompt = JsonInteger(load_default=None, allow_none=True, validate=value_range(min=1, max=2147483647))
    invalid_retries = JsonInteger(load_default=2, validate=value_range(min=0, max=10))
    final_destination = fields.String(load_default="hangup", validate=length(max=40),
                                      metadata={"description": "After the retries, e.g. hangup, extension:201"})
    direct_dial = JsonBoolean(load_default=False)
    direct_ranges = fields.String(load_default="", validate=[length(max=200), pattern(r"^[0-9 ,-]*$")],
                                  metadata={"description": "e.g. 200-299 4000-4099; empty: every extension"})
    options = fields.Dict(keys=fields.String(validate=one_of(list(KEYS))),
                          values=fields.String(validate=length(min=1, max=40)), load_default=dict,
                          metadata={"description": "Key → destination, e.g. {\"1\": \"extension:201\"}"})

    @pre_dump
    def _with_options(self, ivr, **kwargs):
        return {**ivr.__data__, "options": ivrs.options_of(ivr)}


def _ivr_input(data):
    return ivrs.IvrInput(**{key: data[key] for key in (
        "name", "number", "greeting", "timeout_seconds", "timeout_prompt", "timeout_retries", "invalid_prompt",
        "invalid_retries", "final_destination", "direct_dial", "direct_ranges", "options")})


@blp.route("/prompts")
class Prompts(MethodView):
    """The prompt library."""

    @requires(blp, "ivr:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(PromptSchema))
    def get(self, args):
        """List prompts by id."""
        return page(PromptSchema, Prompt.select(), Prompt.id, args)

    @requires(blp, "ivr:write")
    @blp.arguments(SpeechSchema)
    @blp.response(201, PromptSchema)
    @linked(blp, 201, "prompt_id", "/id", ("GET", PROMPT), ("DELETE", PROMPT))
    def post(self, data):
        """Create a prompt by text to speech (espeak-ng; pt-BR or en)."""
        prompt = prompts.synthesize_prompt(prompts.PromptInput(data["name"], data["text"], data["language"]),
                                           actor())
        return respond(PromptSchema, prompt, 201, {"Location": f"{blp.url_prefix}/prompts/{prompt.id}"})


@blp.route("/prompts/upload")
class PromptUpload(MethodView):
    """A prompt from a sound file."""

    @requires(blp, "ivr:write")
    @blp.arguments(UploadArgs, location="query")
    @blp.arguments(UploadFile, location="files")
    @blp.response(201, PromptSchema)
    @linked(blp, 201, "prompt_id", "/id", ("GET", PROMPT), ("DELETE", PROMPT))
    def post(self, args, files):
        """Create a prompt from an uploaded WAV, MP3, OGG or M4A file (422 when it holds no readable sound)."""
        prompt = prompts.upload_prompt(prompts.PromptInput(args["name"]), files["file"].stream, actor())
        return respond(PromptSchema, prompt, 201, {"Location": f"{blp.url_prefix}/prompts/{prompt.id}"})


@blp.route(f"/prompts/<{ID}:prompt_id>")
class PromptItem(MethodView):
    """One prompt."""

    @requires(blp, "ivr:read")
    @blp.response(200, PromptSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, prompt_id):
        """Read a prompt (with its ETag)."""
        return respond(PromptSchema, prompts.get_prompt(prompt_id))

    @requires(blp, "ivr:write")
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, prompt_id):
        """Delete a prompt; refused (422) while a menu plays it."""
        check_if_match(PromptSchema, prompts.get_prompt(prompt_id))
        prompts.delete_prompt(prompt_id, actor())
        return json_response(None, 204)


@blp.route(f"/prompts/<{ID}:prompt_id>/audio")
class PromptAudio(MethodView):
    """A prompt's sound."""

    @requires(blp, "ivr:read")
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="audio/wav")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, prompt_id):
        """Download the prompt as 16 kHz WAV."""
        data = prompts.preview_wav(prompts.get_prompt(prompt_id))
        if data is None:
            return json_response({"type": "about:blank", "title": "Not Found", "status": 404,
                                  "detail": "This prompt has no sound."}, 404)
        return Response(data, mimetype="audio/wav")


register(blp, Resource(
    "Ivr", "/ivrs", "ivr_id", IvrSchema, ("ivr:read", "ivr:write"), Ivr.select, Ivr.id, ivrs.get_ivr, ivrs.save_ivr,
    ivrs.delete_ivr, to_input=_ivr_input, noun="menu",
    docs={"delete": "Delete a menu; refused (422) while something still sends calls to it."}))
