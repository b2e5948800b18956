"""The phone-facing provisioning server: ``/prov/<file>`` and ``/prov/<token>/<file>``.

Its own Flask app on its own listener (PROV_BIND), with no sessions, cookies or
admin pages: a phone is identified by its User-Agent and the MAC in the file
name, and authenticated by the 128-bit token in its URL. The MAC is never a
credential: without the token a phone gets common files only, except once,
inside the zero-touch window an admin opened by assigning it.
"""
import logging

from flask import Blueprint, Flask, Response, abort, current_app, g, request

from appliance import db, permissions, settings
from appliance.services import engine_sync, phones
from provisioning import vendors
from provisioning.base import PhoneConfig
from web import database

log = logging.getLogger("centralina.provisioning")
bp = Blueprint("prov", __name__, url_prefix="/prov")
#: Polycom phones upload logs and overrides with PUT; accepted and dropped, up to this size.
MAX_UPLOAD = 1024 * 1024
CONTENT_TYPES = {".xml": "application/xml", ".cfg": "text/plain", ".boot": "text/plain", ".htm": "text/html"}


def create_app(test_config=None):
    """Build the provisioning app; ``test_config`` overrides every other settings layer."""
    permissions.private_umask()  # what a worker writes under VAR_DIR is its user's only
    app = Flask(__name__)
    app.config.update(settings.load(overrides=test_config))
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    db.init(app.config["DATABASE_URL"])
    engine_sync.configure_from_settings(app.config)
    vendors.load_all()
    app.register_blueprint(bp)
    database.init_app(app)

    return app


def _address():
    return request.remote_addr or ""


def _base_url():
    configured = current_app.config.get("PROV_BASE_URL")
    return configured.rstrip("/") if configured else request.host_url.rstrip("/") + bp.url_prefix


def _refuse(reason, filename):
    """Answer 404 and count it against the client's address (a scanner soon gets banned)."""
    log.info("provisioning: %s from %s for %r (%s)", reason, _address(), filename, request.user_agent.string[:120])
    phones.note_failure(_address(), current_app.config)
    abort(404)


def _serve(filename, body):
    suffix = filename[filename.rfind("."):] if "." in filename else ""
    response = Response(body, content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"))
    response.headers["Cache-Control"] = "no-store"  # a phone's file carries its secrets
    return response


@bp.before_request
def _not_banned():
    if phones.is_banned(_address()):
        abort(403)
    identified = vendors.identify(request.user_agent.string)
    g.vendor, g.identity = identified if identified else (None, None)


def _render(vendor, device, filename):
    config = phones.phone_config(device, current_app.config, _base_url())
    # Grandstream phones always ask for "phonebook.xml" in the folder they were given (P331);
    # Polycom phones for "<mac>-directory.xml" (they have no phonebook URL setting).
    if filename in ("directory.xml", "phonebook.xml") or filename.endswith("-directory.xml"):
        return vendor.directory(phones.directory_entries(device.extension))
    return vendor.files(config).get(filename)


@bp.route("/<token>/<path:filename>", methods=["GET"])
def device_file(token, filename):
    """Serve one of an assigned phone's files, authenticated by the token in the URL."""
    device = phones.find_by_token(token)
    if device is None:
        _refuse("unknown token", filename)
    vendor = vendors.by_name(device.vendor)
    if g.vendor is not None and g.vendor is not vendor:
        _refuse(f"a {g.vendor.name} phone asked for a {device.vendor} phone's file", filename)
    path_mac = vendor.mac_from_path(filename)
    ua_mac = g.identity.mac if g.identity else None
    if (path_mac and path_mac != device.mac) or (ua_mac and ua_mac != device.mac):
        _refuse("MAC does not match the token", filename)
    body = _render(vendor, device, filename)
    if body is None:
        _refuse("no such file", filename)
    phones.note_fetch(device, _address(), request.user_agent.string, g.identity.firmware if g.identity else "")
    return _serve(filename, body)


@bp.route("/<path:filename>", methods=["GET"])
def bootstrap_file(filename):
    """Serve what a phone without its token may have: common files, or its secrets once in its window."""
    if g.vendor is None:
        _refuse("unidentified User-Agent", filename)
    vendor, identity = g.vendor, g.identity
    path_mac = vendor.mac_from_path(filename)
    mac = path_mac or identity.mac
    if path_mac and identity.mac and path_mac != identity.mac:
        _refuse("MAC in the path differs from the User-Agent's", filename)
    device = phones.find_phone(mac) if mac else None
    if device is None:
        if mac:
            phones.note_pending(mac, vendor.name, identity, _address(), request.user_agent.string)
        if path_mac or vendor.sensitive(filename):
            _refuse("unassigned phone", filename)
        body = _common_file(vendor, identity, mac, filename)
        return _serve(filename, body) if body is not None else _refuse("no such file", filename)
    if vendor.sensitive(filename) or path_mac:
        if not phones.bootstrap_open(device, _address()):
            _refuse("secrets without the token, outside the zero-touch window", filename)
        body = _render(vendor, device, filename)
        if body is None:
            _refuse("no such file", filename)
        phones.close_bootstrap(device)
        phones.note_fetch(device, _address(), request.user_agent.string, identity.firmware)
        log.info("provisioning: %s fetched its secrets in its zero-touch window", device.mac)
        return _serve(filename, body)
    body = _render(vendor, device, filename)
    return _serve(filename, body) if body is not None else _refuse("no such file", filename)


def _common_file(vendor, identity, mac, filename):
    """Render a common (secret-free) file for a phone no one has assigned yet."""
    try:
        config = PhoneConfig(mac=mac or "000000000000", model=identity.model, lines=(), sip_server="",
                             provisioning_url=_base_url())
        body = vendor.files(config).get(filename)
    except ValueError:  # a model this vendor module does not support
        return None
    return None if body is None or vendor.sensitive(filename) else body


@bp.route("/<path:filename>", methods=["PUT"])
@bp.route("/<token>/<path:filename>", methods=["PUT"])
def upload(filename, token=None):
    """Accept and drop what phones upload (Polycom logs and overrides): they retry forever on an error."""
    request.get_data(cache=False)
    return "", 204


