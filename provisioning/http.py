"""The phone-facing provisioning server: ``/prov/<file>`` and ``/prov/<token>/<file>``.

Its own Flask app on its own listener (PROV_BIND), with no sessions, cookies or
admin pages: a phone is identified by its User-Agent and the MAC in the file
name, and authenticated by the 128-bit token in its URL. The MAC is never a
credential (decision 008):

- without the token, anyone gets the common files of a model, rendered from no
  device at all (no account, no password, no token);
- a request without the token that names an assigned phone's MAC (in the file
  name or the User-Agent) is refused and counted towards a ban, except inside
  that phone's zero-touch window, from the one address the window is bound to,
  where the phone gets common files and, once, its own file;
- a MAC seen for the first time counts as a failure too: guessing MACs costs
  what guessing tokens costs;
- phonebooks are served only with the token.
"""
import dataclasses
import logging
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request

from appliance import db, permissions, settings
from appliance.services import engine_sync, phones, site
from provisioning import cache, logs, vendors
from web import database

log = logging.getLogger("centralina.provisioning")
bp = Blueprint("prov", __name__, url_prefix="/prov")
#: Polycom phones upload logs and overrides with PUT; accepted and dropped, up to this size.
MAX_UPLOAD = 1024 * 1024
CONTENT_TYPES = {".xml": "application/xml", ".cfg": "text/plain", ".boot": "text/plain", ".htm": "text/html"}
#: The MAC of no phone: the default files some vendors ask for (Polycom ``000000000000.cfg``).
NO_MAC = "000000000000"
#: The site settings phone files carry (services/phones.py): a change makes every rendered file stale.
SITE_RENDERED = ("TIMEZONE", "DEFAULT_LOCALE")


def create_app(test_config=None):
    """Build the provisioning app; ``test_config`` overrides every other settings layer."""
    permissions.private_umask()  # what a worker writes under VAR_DIR is its user's only
    app = Flask(__name__)
    app.config.update(settings.load(overrides=test_config))
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    db.init(app.config["DATABASE_URL"])
    engine_sync.configure_from_settings(app.config)
    vendors.load_all()
    app.extensions["prov_cache"] = cache.RenderCache(int(app.config["PROV_CACHE_BYTES"]))
    app.extensions["prov_salt"] = cache.salt(app.config, engine_sync.configured_engine())
    app.extensions["prov_started"] = time.time()
    app.extensions["prov_site"] = tuple(app.config[key] for key in SITE_RENDERED)
    app.register_blueprint(bp)
    database.init_app(app)  # SQLite: one connection per worker thread for its life (decision 025)
    logs.install(app.logger, log)  # Flask logs a failing request's path, which may carry a token
    return app


def _address():
    return request.remote_addr or ""


def _base_url():
    configured = current_app.config.get("PROV_BASE_URL")
    return configured.rstrip("/") if configured else request.host_url.rstrip("/") + bp.url_prefix


def _refuse(reason, filename, count=True):
    """Answer 404 and, unless already counted, count it against the client's address (a scanner soon gets banned)."""
    log.info("provisioning: %s from %s for %r (%s)", reason, _address(), filename, request.user_agent.string[:120])
    if count:
        phones.note_failure(_address(), current_app.config)
    abort(404)


def _serve(filename, body, validators=None, secret=True):
    """Answer ``body``, or 304 with no body when the phone's conditional request matches ``validators``."""
    suffix = filename[filename.rfind("."):] if "." in filename else ""
    if validators is not None and validators.not_modified(request):
        response = Response(status=304)
    else:
        response = Response(body, content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"))
    # A phone's own file carries its secrets: no cache on the way may keep it. The phone's own
    # conditional request is not a cache storing it. Common files may be kept if revalidated.
    response.headers["Cache-Control"] = "no-store" if secret else "no-cache"
    if validators is not None:
        response.headers["ETag"] = f'"{validators.etag}"'
        response.headers["Last-Modified"] = validators.last_modified()
    return response


def _cached(generation, key, render):
    return current_app.extensions["prov_cache"].get(generation, key, render)


def _validators(generation, changed_at, *parts):
    return cache.Validators.of(current_app.extensions["prov_salt"], current_app.extensions["prov_started"],
                               generation, changed_at, *parts)


def _is_directory(filename):
    # Grandstream phones always ask for "phonebook.xml" in the folder they were given (P331);
    # Polycom phones for "<mac>-directory.xml" (they have no phonebook URL setting).
    return filename in ("directory.xml", "phonebook.xml") or filename.endswith("-directory.xml")


def _mac_in_path(vendor, filename):
    mac = vendor.mac_from_path(filename)
    return None if mac == NO_MAC else mac


@bp.before_request
def _follow_site():
    """Take a new time zone or default language (VAR_DIR/site.json, decision 041): files rendered before are stale."""
    app = current_app._get_current_object()
    site.refresh(app.config)
    rendered_with = tuple(app.config[key] for key in SITE_RENDERED)
    if rendered_with != app.extensions["prov_site"]:  # by value: whoever refreshed, this salt must follow
        app.extensions["prov_site"] = rendered_with
        app.extensions["prov_cache"] = cache.RenderCache(int(app.config["PROV_CACHE_BYTES"]))
        app.extensions["prov_salt"] = cache.salt(app.config, engine_sync.configured_engine())
        app.extensions["prov_started"] = time.time()


@bp.before_request
def _not_banned():
    if phones.is_banned(_address()):
        abort(403)
    identified = vendors.identify(request.user_agent.string)
    g.vendor, g.identity = identified if identified else (None, None)
    if g.identity is not None and g.identity.mac == NO_MAC:
        g.identity = dataclasses.replace(g.identity, mac=None)


def _device_body(vendor, device, filename, generation):
    """Return one of ``device``'s own files (or its phonebook) from its full configuration, or None.

    Rendered once per provisioning generation and cached: every file of the phone comes from one
    render (it asks for them one after the other), its phonebook from another.
    """
    if _is_directory(filename):
        return _cached(generation, ("directory", vendor.name, device.extension_id),
                       lambda: vendor.directory(phones.directory_entries(device.extension)))
    base_url = _base_url()

    def render():
        # The BLF candidates are every phone's, kept per generation too; looked up only when rendering.
        colleagues = _cached(generation, ("blf candidates",), phones.blf_candidates)
        return vendor.files(phones.phone_config(device, current_app.config, base_url, colleagues))

    files = _cached(generation, ("files", device.id, base_url), render)
    return files.get(filename)


@bp.route("/<token>/<path:filename>", methods=["GET"])
def device_file(token, filename):
    """Serve one of an assigned phone's files, authenticated by the token in the URL."""
    device = phones.find_by_token(token)
    if device is None:
        _refuse("unknown token", filename)
    vendor = vendors.by_name(device.vendor)
    if g.vendor is not None and g.vendor is not vendor:
        _refuse(f"a {g.vendor.name} phone asked for a {device.vendor} phone's file", filename)
    path_mac = _mac_in_path(vendor, filename)
    ua_mac = g.identity.mac if g.identity else None
    if (path_mac and path_mac != device.mac) or (ua_mac and ua_mac != device.mac):
        _refuse("MAC does not match the token", filename)
    # Only now, with the phone authenticated, may its cache entry or validators be looked at.
    generation, changed_at = cache.current_generation()
    body = _device_body(vendor, device, filename, generation)
    if body is None:
        _refuse("no such file", filename)
    phones.note_fetch(device, _address(), request.user_agent.string, g.identity.firmware if g.identity else "")
    return _serve(filename, body, _validators(generation, changed_at, "device", device.id, filename, _base_url()))


@bp.route("/<path:filename>", methods=["GET"])
def bootstrap_file(filename):
    """Serve what a request without a token may have: common files, or a phone's own file once in its window."""
    if g.vendor is None:
        _refuse("unidentified User-Agent", filename)
    vendor, identity = g.vendor, g.identity
    path_mac = _mac_in_path(vendor, filename)
    if path_mac and identity.mac and path_mac != identity.mac:
        _refuse("MAC in the path differs from the User-Agent's", filename)
    if _is_directory(filename):
        _refuse("a phonebook asked for without the token", filename)
    mac = path_mac or identity.mac
    if mac is None:  # a phone that does not say who it is gets what every phone may have
        return _common_file(vendor, identity, filename)
    device = phones.find_phone(mac)
    if device is not None:
        return _zero_touch(vendor, identity, device, filename, own_file=bool(path_mac))
    seen = phones.note_pending(mac, vendor.name, identity, _address(), request.user_agent.string,
                               current_app.config)
    # A new MAC is a guess until an admin says otherwise. A known MAC from another address is not counted: someone
    # who recorded a MAC first must not get the real phone banned; it only gets common files, and the admin sees both.
    counted = seen in (phones.NEW, phones.CAPPED)
    if counted:
        phones.note_failure(_address(), current_app.config)
    if seen == phones.CAPPED:
        _refuse("too many unknown phones", filename, count=False)
    if path_mac or vendor.sensitive(filename):
        _refuse("unassigned phone", filename, count=False)
    return _common_file(vendor, identity, filename, counted=counted)


def _zero_touch(vendor, identity, device, filename, own_file):
    """Serve an assigned phone asking without its token: only inside its window, from the window's address."""
    if device.vendor != vendor.name:
        _refuse(f"a {vendor.name} User-Agent named a {device.vendor} phone's MAC", filename)
    if not phones.window_admits(device, _address()):
        _refuse("no token, outside the phone's zero-touch window", filename)
    if not (own_file or vendor.sensitive(filename)):
        return _common_file(vendor, identity, filename)
    body = _device_body(vendor, device, filename, cache.current_generation()[0])
    if body is None:
        _refuse("no such file", filename)
    if not phones.take_window(device, _address()):  # a second fetch in parallel: once means once
        _refuse("zero-touch window already used", filename)
    phones.note_fetch(device, _address(), request.user_agent.string, identity.firmware)
    log.info("provisioning: %s fetched its secrets in its zero-touch window from %s", device.mac, _address())
    return _serve(filename, body)


def _common_file(vendor, identity, filename, counted=False):
    """Serve a model's common file, rendered from no device (no account, password, token or MAC), or refuse."""
    body = None
    base_url = _base_url()
    if not vendor.sensitive(filename):
        try:
            files = _cached(current_app.extensions["prov_cache"].generation, ("common", vendor.name, identity.model,
                                                                              base_url),
                            lambda: vendor.files(phones.common_config(identity.model, current_app.config, base_url)))
            body = files.get(filename)
        except ValueError:  # a model this vendor module does not support
            body = None
    if body is None:
        _refuse("no such file", filename, count=not counted)
    # Rendered from settings and templates only: they change with a restart, never in between.
    validators = _validators(None, 0.0, "common", vendor.name, identity.model, filename, base_url)
    return _serve(filename, body, validators, secret=False)


@bp.route("/<path:filename>", methods=["PUT"])
@bp.route("/<token>/<path:filename>", methods=["PUT"])
def upload(filename, token=None):
    """Accept and drop what phones upload (Polycom logs and overrides): they retry forever on an error."""
    request.get_data(cache=False)
    return "", 204
