"""The browser phone (issue 16): one more device of a person's extension, of kind "webrtc".

Its credential is handed to the person's own authenticated session (the panel or a personal
API token), never typed: the first request creates the device, later ones return the same one.
"""
from dataclasses import dataclass

from appliance.db import database
from appliance.models.extensions import Device
from appliance.services import audit, extensions

#: The label a browser phone created on demand gets (data, not user-visible text: the panel shows its own).
LABEL = "WebRTC"


@dataclass(frozen=True)
class Credential:
    """What the browser phone needs to register: the only place its SIP password leaves the server."""

    username: str
    password: str
    extension: str
    display_name: str
    #: The SIP WebSocket URL (ws:// on loopback in tests, wss:// through the app's origin in production).
    ws_url: str
    #: The SIP domain of the account URI; Asterisk finds the endpoint by user name alone.
    domain: str
    #: ICE servers for RTCPeerConnection ([] on a LAN).
    ice_servers: tuple = ()

    @property
    def uri(self):
        """Return the account's SIP URI."""
        return f"sip:{self.username}@{self.domain}"

    def as_dict(self):
        """Return the JSON the phone module (web/static/phone/phone.js) takes."""
        return {"username": self.username, "password": self.password, "uri": self.uri,
                "extension": self.extension, "display_name": self.display_name, "ws_url": self.ws_url,
                "ice_servers": [{"urls": url} for url in self.ice_servers]}


def phone_device(extension):
    """Return the extension's browser-phone device, or None."""
    return (Device.select().where((Device.extension == extension.id) & (Device.kind == "webrtc"))
            .order_by(Device.id).first())


def credential(extension, actor, *, ws_url, domain, ice_servers=()):
    """Return the Credential of ``extension``'s browser phone, creating the device on first use.

    Every hand-out is audited (never the password): a credential leaving the server is an event.
    """
    with database.atomic():
        device = phone_device(extension)
        if device is None:
            device = extensions.add_device(extension.id, LABEL, actor, kind="webrtc")
        audit.record(actor, "device.webrtc_credential", "device", device.id, device.sip_username)
    return Credential(username=device.sip_username, password=device.sip_password, extension=extension.number,
                      display_name=extension.name, ws_url=ws_url, domain=domain, ice_servers=tuple(ice_servers))
