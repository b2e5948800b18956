"""The JSON API under /api/v1: tokens only, problem+json errors, an OpenAPI 3.1 document (decision 017).

Every resource is a module with a flask-smorest ``blp``, listed once in ``resources.BLUEPRINTS``;
its operations use ``web.api.auth.requires`` (token, scope, rate limit) and the services the
pages use. Adding a resource: write ``web/api/<feature>.py`` like ``extensions.py``, list it there.
"""
import functools
import http
import threading

import marshmallow
from flask import jsonify, render_template
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser

from appliance import db, migrations
from web import problems
from web.plugins import csrf


class _SchemaReusingParser(FlaskParser):
    """webargs' Flask parser, loading with one instance of each arguments schema class.

    Given a class (as every ``@blp.arguments`` here is), webargs builds an instance per request,
    deep-copying its fields: 0.09 ms of a call-record list's ~1 ms (decision 046). Loading keeps
    no state in the instance (marshmallow 4 has no schema context), so threads may share one.
    """

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, marshmallow.Schema):
            return _schema_instance(argmap)
        return super()._get_schema(argmap, req)


@functools.cache
def _schema_instance(schema_class):
    return schema_class()


# Set before any resource module decorates its views (they import this package first).
Blueprint.ARGUMENTS_PARSER = _SchemaReusingParser()

#: Operations that answer without a token: the health check, the document, its docs page.
meta = Blueprint("meta", __name__, url_prefix="/api/v1", description="The API itself: health.")


@meta.route("/health")
@meta.response(200, description="The app and its database answer.")
@meta.alt_response(503, description="The database schema is behind this version of the app.")
def health():
    """Report whether the app and its database answer, and the schema version."""
    version = migrations.current(db.database.obj)
    healthy = version == migrations.head()
    return jsonify(status="ok" if healthy else "degraded", schema_version=version), 200 if healthy else 503


class ProblemApi(Api):
    """flask-smorest's Api, with problem+json errors for /api/ only: the pages keep their HTML errors."""

    DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"

    # Documenting ~370 operations takes a quarter of a second, and each app (each worker, each
    # test) would pay it at start whether or not anyone reads the document: the routes are
    # registered at once, their documentation on the first read of ``spec``, in the same order.
    _pending_docs = ()
    _documenting = threading.Lock()  # two first requests at once must not document twice

    @property
    def spec(self):
        """The OpenAPI document, with every registered blueprint's operations in it."""
        if self._pending_docs:
            with self._documenting:
                while self._pending_docs:
                    document, *self._pending_docs = self._pending_docs
                    document(self._spec)
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

    def document_later(self, document):
        """Call ``document(spec)`` when the document is first read, after what was queued before."""
        self._pending_docs = [*self._pending_docs, document]

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp`` on the app now; document its operations when the document is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def document(spec):
            blp.register_views_in_doc(self, self._app, spec, name=name, parameters=parameters)
            spec.tag({"name": name, "description": blp.description})
        self.document_later(document)

    def handle_http_exception(self, error):
        """Answer an HTTPException with problem details under /api/, and as Flask would elsewhere."""
        if problems.is_api():
            return problems.from_http_exception(error)
        return error  # Flask's own response (an HTTPException is a WSGI app)

    def _register_responses(self):
        """Declare every error status as problem+json (schemathesis checks the media type)."""
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase,
                        "content": {problems.MEDIA_TYPE: {"schema": "Problem"}}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            "DEFAULT_ERROR", {"description": "An error", "content": {problems.MEDIA_TYPE: {"schema": "Problem"}}},
            lazy=True)


def init_app(app):
    """Create the API on ``app``: document, error handling, every resource's blueprint."""
    from web.api import webhooks
    from web.api.common import ProblemSchema
    from web.api.resources import BLUEPRINTS  # the resources import this package: imported late

    app.config.update(
        API_TITLE="Centralina",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "The PBX's REST API. Authenticate with `Authorization: Bearer <token>`; "
                                    "create a token on your account page (personal) or under System → API "
                                    "tokens (service)."},
        },
    )
    api = ProblemApi()
    api.ERROR_SCHEMA = ProblemSchema
    api.init_app(app)
    api.spec.components.schema("Problem", schema=ProblemSchema)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                   "description": "A cntl_pat_… or cntl_svc_… token"})
    for blueprint in (meta, *BLUEPRINTS):
        csrf.exempt(blueprint)  # tokens only, never cookies: nothing for a forged form to ride on
        api.register_blueprint(blueprint)
    csrf.exempt(app.blueprints["api-docs"])
    api.document_later(webhooks.document)  # OpenAPI 3.1 "webhooks": what receivers are sent
    app.add_url_rule("/api/v1/docs", "api_docs", docs)
    return api


def docs():
    """The browsable API documentation (Swagger UI from npm, served from our static files)."""
    return render_template("api/docs.html")
