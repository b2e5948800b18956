"""Site settings (admins): the time zone, the company's country and the default language (decision 041).

One document, read and replaced whole, through the same service and check as the first login's setup
and System → Site settings. Every process takes a change at its next request or job.
"""
from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.services import site
from appliance.settings import LANGUAGES
from web.api.auth import actor, requires
from web.api.common import IF_MATCH, check_if_match, respond

blp = Blueprint("site_settings", __name__, url_prefix="/api/v1/site-settings",
                description="The installation's time zone, country and default language.")


class SiteSettingsSchema(Schema):
    """The site settings: each one of its list (the service checks them, with its own messages)."""

    timezone = fields.String(required=True, metadata={
        "enum": site.time_zones(), "description": "IANA time zone: times shown and typed, days counted, new "
                                                  "business-hour schedules, phones' clocks"})
    country = fields.String(required=True, metadata={
        "enum": site.countries(), "description": "ISO 3166 code: numbers typed without a country code, holidays "
                                                 "of new business-hour schedules"})
    language = fields.String(required=True, metadata={
        "enum": list(LANGUAGES), "description": "Default language: the login page, new accounts, phones"})
    pinned = fields.List(fields.String(), dump_only=True, metadata={
        "description": "Fields fixed by the server's environment (CENTRALINA_<KEY>): saved, but not in force"})


def _current():
    data = vars(site.site_input(current_app.config))
    return {**data, "pinned": site.pinned()}


@blp.route("", methods=["GET"])
@requires(blp, "site:read")
@blp.response(200, SiteSettingsSchema)
def get_site_settings():
    """Read the site settings in force (with their ETag)."""
    return respond(SiteSettingsSchema, _current())


@blp.route("", methods=["PUT"])
@requires(blp, "site:write")
@blp.arguments(SiteSettingsSchema)
@blp.response(200, SiteSettingsSchema)
@blp.alt_response(412, response="PRECONDITION_FAILED")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@blp.doc(parameters=[IF_MATCH])
def put_site_settings(data):
    """Replace the site settings: a field off its list is a 422 (errors.<field>) and nothing changes."""
    site.refresh(current_app.config)  # compare If-Match with what is in force now
    check_if_match(SiteSettingsSchema, _current())
    site.change_site(site.SiteInput(**data), actor(), current_app.config)
    return respond(SiteSettingsSchema, _current())
