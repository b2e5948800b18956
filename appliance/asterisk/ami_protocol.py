"""pystrix 1.3.0 as Asterisk 22 needs it: whole messages, every header line, list actions, clean ends.

Checked against Asterisk 22.10 (Debian sid):

- pystrix's socket reader loops forever on end-of-stream: when Asterisk stops, ``readline()``
  returns ``b""``, the reader spins at 100 % CPU appending empty lines and ``is_connected()``
  stays true. ``Socket`` below treats end-of-stream as a broken connection.
- Since Asterisk 14 the ``Command`` reply carries one ``Output:`` header per CLI line; pystrix
  stores headers in a dict, so only the last line survived. ``Message`` keeps every header line.
- pystrix's ``Hangup``/``QueueAdd``/``QueueRemove`` wait for events that never carry the
  ActionID, and its ``DBGet`` ignores the event list; ``Action`` sends plain actions instead.
- pystrix polls for replies every 50 ms (``time.sleep(0.05)`` in ``send_action``), so every action
  cost at least about 50 ms: seven DialplanExtensionAdd for one route edit took 0.47 s. ``_Clock``
  below gives that poll 1 ms (a loopback reply takes well under that; 5 ms still cost a route edit
  35 ms); only a thread waiting for a reply polls. Its other sleeps (the reader threads' idle
  20 ms) stay as they are.
"""
import contextlib
import socket
import time

from pystrix.ami import Manager as _PystrixManager
from pystrix.ami import ami as _pystrix

#: How often a sent action looks for its reply (pystrix: 50 ms).
REPLY_POLL = 0.001
_PYSTRIX_REPLY_POLL = 0.05


class _Clock:
    """The ``time`` module as pystrix's ami.py sees it: the same clock, a shorter reply poll."""

    time = staticmethod(time.time)

    @staticmethod
    def sleep(seconds):
        time.sleep(REPLY_POLL if seconds == _PYSTRIX_REPLY_POLL else seconds)


_pystrix.time = _Clock


class Message(_pystrix._Message):
    """A reply or event that also keeps every header line in order, repeated keys included."""

    def _parse(self, response):
        self.lines = []
        for line in response:
            key, colon, value = line.partition(":")
            if colon:
                self.lines.append((key.strip(), value.removeprefix(" ").rstrip("\r\n")))
        super()._parse(response)


class Socket(_pystrix._SynchronisedSocket):
    """pystrix's socket, reading whole messages and failing cleanly at end-of-stream.

    Reads go straight to the socket (``recv``) into our own buffer: pystrix reads through a
    file object, and a file object whose read once timed out refuses every later read
    ("cannot read from timed out object"), so an AMI session idle for longer than the timeout
    used to drop every few seconds.
    """

    def __init__(self, *args, **kwargs):
        self._pending = []
        self._buffer = b""
        super().__init__(*args, **kwargs)

    def _close(self):
        # Shut the socket down first: that wakes a reader blocked in recv(); closing under it
        # would otherwise wait out the read timeout.
        with contextlib.suppress(OSError, AttributeError):
            self._socket.shutdown(socket.SHUT_RDWR)
        super()._close()

    def _next_line(self):
        """Return the next line (bytes, CRLF stripped), None when idle past the timeout."""
        while b"\n" not in self._buffer:
            with self._socket_read_lock:
                try:
                    chunk = self._socket.recv(65536)
                except TimeoutError:
                    return None  # idle: a partial line stays buffered for the next call
                except (OSError, AttributeError) as exc:  # closed under us by disconnect()
                    self._close()
                    raise _pystrix.ManagerSocketError(str(exc)) from exc
            if not chunk:
                self._close()
                raise _pystrix.ManagerSocketError("Asterisk closed the manager connection")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def read_message(self):
        """Return the next message, ``None`` when idle past the timeout; raise when the connection ends."""
        if not self.is_connected():
            raise _pystrix.ManagerSocketError("Not connected to Asterisk")
        while True:
            raw = self._next_line()
            if raw is None:
                return None
            line = raw.decode("utf-8", "replace")
            # Asterisk 14+ no longer sends the "Response: Follows ... --END COMMAND--" form that
            # pystrix special-cases: every message, Command output included, ends at a blank line.
            if line:
                self._pending.append(line + "\r\n")
            elif self._pending:
                message, self._pending = Message(self._pending), []
                return message


class Manager(_PystrixManager):
    """pystrix's manager, connecting through ``Socket``."""

    def connect(self, host, port=5038, timeout=5):
        """Open the TCP connection and start the reader thread."""
        self.disconnect()
        with self._connection_lock:
            self._connection = Socket(host=host, port=port, timeout=timeout)
            self._message_reader = _pystrix._MessageReader(self, self._orphaned_response_timeout)
            self._message_reader.start()


def _event_class(name):
    """Return pystrix's class for event ``name``, registering a plain one when pystrix has none.

    pystrix files a list action's events by class, so each event name of a list needs its own.
    """
    cls = _pystrix._EVENT_REGISTRY.get(name)
    if cls is None:
        cls = type(name, (_pystrix._Event,), {"__doc__": f"The AMI {name} event."})
        _pystrix._EVENT_REGISTRY[name] = cls
        _pystrix._EVENT_REGISTRY_REV[cls] = name
    return cls


#: Actions answered by an event list: action -> (item event, closing event) classes, registered
#: once at import so that no two threads race to create them.
EVENT_LISTS = {
    action: (_event_class(item), _event_class(complete)) for action, (item, complete) in {
        "DBGet": ("DBGetResponse", "DBGetComplete"),
        "DBGetTree": ("DBGetTreeResponse", "DBGetTreeComplete"),
        "PJSIPShowContacts": ("ContactList", "ContactListComplete"),
        "CoreShowChannels": ("CoreShowChannel", "CoreShowChannelsComplete"),
        "PJSIPShowRegistrationsOutbound": ("OutboundRegistrationDetail", "OutboundRegistrationDetailComplete"),
        # Of an endpoint's details only its contacts' status (static contacts too) is kept.
        "PJSIPShowEndpoint": ("ContactStatusDetail", "EndpointDetailComplete"),
        # Of a queue status only its members are kept (the agents' board); callers come from events.
        "QueueStatus": ("QueueMember", "QueueStatusComplete"),
        # Conference rooms running now, and one room's participants (app_confbridge).
        "ConfbridgeListRooms": ("ConfbridgeListRooms", "ConfbridgeListRoomsComplete"),
        "ConfbridgeList": ("ConfbridgeList", "ConfbridgeListComplete"),
    }.items()
}
#: Further item events of a list action, filed under their own class (a QueueStatus's callers).
EXTRA_ITEMS = {"QueueStatus": (_event_class("QueueEntry"),)}


class Action(_pystrix._Request):
    """Any AMI action from its name and headers; a list value repeats the header (``Variable``)."""

    def __init__(self, name, timeout=5.0, **headers):
        super().__init__(name)
        self.update({key: value for key, value in headers.items() if value is not None})
        # pystrix reads an Originate's timeout in milliseconds and every other one in seconds.
        self.timeout = timeout * 1000 if name == "Originate" else timeout
        if name in EVENT_LISTS:
            # pystrix then waits for the closing event and files the items under their class.
            self.synchronous = True
            self._synchronous_events_list = (EVENT_LISTS[name][0], *EXTRA_ITEMS.get(name, ()))
            self._synchronous_events_finalising = (EVENT_LISTS[name][1],)
