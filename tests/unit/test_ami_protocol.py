"""The AMI adapter's fixes to pystrix, against a scripted fake manager on loopback."""
import dataclasses
import socket
import threading
import time

import pytest

from appliance.asterisk import ami

GREETING = b"Asterisk Call Manager/11.0.0\r\n"


class FakeManager:
    """A TCP server that greets, answers each action with a scripted reply, and can hang up."""

    def __init__(self, replies):
        self.replies = replies  # action name -> reply text with "{id}" for the ActionID
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.conn = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.conn, _ = self.server.accept()
        self.conn.sendall(GREETING)
        buffer = b""
        while True:
            try:
                data = self.conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b"\r\n\r\n" in buffer:
                block, buffer = buffer.split(b"\r\n\r\n", 1)
                headers = dict(line.split(": ", 1) for line in block.decode().split("\r\n"))
                reply = self.replies[headers["Action"]].format(id=headers["ActionID"])
                self.conn.sendall(reply.encode())

    def hang_up(self):
        self.conn.shutdown(socket.SHUT_RDWR)
        self.conn.close()

    def close(self):
        self.server.close()


LOGIN = {
    "Challenge": "Response: Success\r\nActionID: {id}\r\nChallenge: 123456\r\n\r\n",
    "Login": "Response: Success\r\nActionID: {id}\r\nMessage: Authentication accepted\r\n\r\n",
}


@pytest.fixture
def fake():
    servers = []

    def start(**replies):
        server = FakeManager({**LOGIN, **replies})
        servers.append(server)
        return server, ami.AmiSettings("127.0.0.1", server.port, "centralina", "secret", timeout=2.0)

    yield start
    for server in servers:
        server.close()


def test_command_output_keeps_every_line(fake):
    _, settings = fake(Command="Response: Success\r\nActionID: {id}\r\nMessage: Command output follows\r\n"
                               "Output: Transport:  <TransportId>\r\nOutput: \r\nOutput:   udp  0.0.0.0:5060\r\n\r\n")
    with ami.Ami(settings) as session:
        assert session.command("pjsip show transports") == "Transport:  <TransportId>\n\n  udp  0.0.0.0:5060"


def test_unknown_command_raises_with_asterisk_text(fake):
    _, settings = fake(Command="Response: Error\r\nActionID: {id}\r\nMessage: Command output follows\r\n"
                               "Output: No such command 'foo'\r\n\r\n")
    with ami.Ami(settings) as session, pytest.raises(ami.AmiActionFailed, match="No such command 'foo'"):
        session.command("foo")


def test_error_message_ending_in_newline_is_still_the_reason(fake):
    # res_pjsip sends "Message: No Contacts found\n\r\n", which pystrix files as body data.
    _, settings = fake(PJSIPShowContacts="Response: Error\r\nActionID: {id}\r\nMessage: No Contacts found\n\r\n\r\n")
    with ami.Ami(settings) as session:
        assert session.pjsip_show_contacts() == []


def test_event_list_is_collected_until_its_complete_event(fake):
    _, settings = fake(DBGet="Response: Success\r\nActionID: {id}\r\nEventList: start\r\n\r\n"
                             "Event: DBGetResponse\r\nFamily: cf\r\nKey: 201\r\nVal: 555\r\nActionID: {id}\r\n\r\n"
                             "Event: DBGetComplete\r\nActionID: {id}\r\nEventList: Complete\r\nListItems: 1\r\n\r\n")
    with ami.Ami(settings) as session:
        assert session.db_get("cf", "201") == "555"


def test_refused_reload_raises_reload_failed(fake):
    _, settings = fake(Reload="Response: Error\r\nActionID: {id}\r\nMessage: An unknown error occurred\r\n\r\n")
    with ami.Ami(settings) as session, pytest.raises(ami.ReloadFailed) as caught:
        session.reload_module("pbx_config.so")
    assert (caught.value.module, caught.value.reason) == ("pbx_config.so", "An unknown error occurred")


def test_a_closed_connection_is_noticed_without_spinning(fake):
    # pystrix 1.3.0 loops forever on end-of-stream with is_connected() still true.
    server, settings = fake()
    with ami.Ami(settings) as session:
        server.hang_up()
        deadline = time.monotonic() + 2
        while session.connected() and time.monotonic() < deadline:
            time.sleep(0.02)
        cpu = time.process_time()
        time.sleep(0.3)
        assert not session.connected()
        assert time.process_time() - cpu < 0.1
        with pytest.raises(ami.AmiUnavailable):
            session.ping()


def test_closing_does_not_wait_for_the_read_timeout(fake):
    _, settings = fake()
    session = ami.Ami(dataclasses.replace(settings, timeout=5.0))  # reads block up to 5 s
    started = time.monotonic()
    session.close()
    assert time.monotonic() - started < 3.0  # well short of the 5 s read timeout, even on a loaded machine


def test_nobody_listening_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ami.AmiUnavailable):
        ami.Ami(ami.AmiSettings("127.0.0.1", port, "centralina", "secret", timeout=1.0))
