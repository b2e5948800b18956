"""The stack every plain API collection shares: list and create, then read, replace and delete one row.

A resource describes what differs (its path, schema, scopes and service calls) and ``register``
builds the two views with the same decorators, ETags and If-Match checks everywhere, so a fix to
that stack lands once. Resources with other shapes (a PATCH of some fields, a secret shown once,
live state in the answer) keep their own views beside it.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from web.api.auth import actor, requires
from web.api.common import ID, IF_MATCH, PageArgs, check_if_match, json_response, linked, page, page_schema, respond


@dataclass(frozen=True)
class Resource:
    """One collection of rows the API lists, creates, reads, replaces and deletes through its service."""

    #: The class-name stem of the views ("Queue" → Queues, QueueItem): endpoint names, unique per blueprint.
    name: str
    #: Below the blueprint's prefix: "/queues", or "" when the blueprint is the collection.
    path: str
    #: The path parameter of one row, e.g. "queue_id".
    id_name: str
    #: What is read and written.
    schema: type[Schema]
    #: (read scope, write scope) of api_tokens.SCOPES.
    scopes: tuple[str, str]
    #: The rows listed, walked by ``key`` (a unique integer column).
    query: Callable[[], Any]
    key: Any
    #: The service calls: get(id) → row or NotFound; save(input, actor, id=None) → row; remove(id, actor).
    get: Callable[[int], Any]
    save: Callable[..., Any]
    remove: Callable[[int, Any], None]
    #: Turns a loaded body into what ``save`` takes (the service's input type).
    to_input: Callable[[dict], Any] = lambda data: data
    #: The row in words, for the default summaries ("pause reason"); the name in lower case by default.
    noun: str = ""
    #: Operation summaries that say more than the defaults: list, post, get, put, delete.
    docs: dict[str, str] = field(default_factory=dict)
    #: More operations the created row links to, as (method, path below the item path), e.g. ("POST", "/move").
    links: tuple[tuple[str, str], ...] = ()


def register(blp: Blueprint, resource: Resource):
    """Add the collection and item views of ``resource`` to ``blp``; return both view classes."""
    read, write = resource.scopes
    schema = resource.schema
    item_doc = f"{blp.url_prefix}{resource.path}/{{{resource.id_name}}}"
    targets = [("GET", item_doc), ("PUT", item_doc), ("DELETE", item_doc)]
    targets += [(method, item_doc + suffix) for method, suffix in resource.links]

    def list_rows(self, args):
        return page(schema, resource.query(), resource.key, args)

    def create(self, data):
        row = resource.save(resource.to_input(data), actor())
        return respond(schema, row, 201, {"Location": f"{blp.url_prefix}{resource.path}/{row.id}"})

    def read_one(self, **ids):
        return respond(schema, resource.get(ids[resource.id_name]))

    def replace(self, data, **ids):
        row_id = ids[resource.id_name]
        check_if_match(schema, resource.get(row_id))
        return respond(schema, resource.save(resource.to_input(data), actor(), row_id))

    def delete(self, **ids):
        row_id = ids[resource.id_name]
        check_if_match(schema, resource.get(row_id))
        resource.remove(row_id, actor())
        return json_response(None, 204)

    noun = resource.noun or resource.name.lower()
    one = f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
    docs = {"list": f"List {noun}s by id.", "post": f"Create {one}.", "get": f"Read {one} (with its ETag).",
            "put": f"Replace {one}.", "delete": f"Delete {one}.", **resource.docs}
    for function, key in ((list_rows, "list"), (create, "post"), (read_one, "get"), (replace, "put"),
                          (delete, "delete")):
        function.__doc__ = docs[key]

    collection = type(f"{resource.name}s", (MethodView,), {
        "__doc__": f"The {noun}s, and new ones.",
        "get": requires(blp, read)(blp.arguments(PageArgs, location="query")(
            blp.response(200, page_schema(schema))(list_rows))),
        "post": requires(blp, write)(blp.arguments(schema)(blp.response(201, schema)(
            linked(blp, 201, resource.id_name, "/id", *targets)(create)))),
    })
    item = type(f"{resource.name}Item", (MethodView,), {
        "__doc__": f"One {noun}.",
        "get": requires(blp, read)(blp.response(200, schema)(blp.alt_response(404, response="NOT_FOUND")(read_one))),
        "put": requires(blp, write)(blp.arguments(schema)(_written(blp, 200, schema)(replace))),
        # A service refuses to delete what something still uses (a destination, a default): 422.
        "delete": requires(blp, write)(_written(blp, 204, None)(
            blp.alt_response(422, response="UNPROCESSABLE_ENTITY")(delete))),
    })
    blp.route(resource.path or "")(collection)
    blp.route(f"{resource.path}/<{ID}:{resource.id_name}>")(item)
    return collection, item


def _written(blp, status, schema):
    """Document a write on one row: its optional If-Match, its answer, 404 and 412."""

    def decorator(view):
        for decorate in (blp.alt_response(412, response="PRECONDITION_FAILED"),
                         blp.alt_response(404, response="NOT_FOUND"),
                         blp.response(status, schema) if schema is not None else blp.response(status),
                         blp.doc(parameters=[IF_MATCH])):
            view = decorate(view)
        return view

    return decorator
