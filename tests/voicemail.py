"""Test doubles with real I/O for voicemail: a spool laid out like app_voicemail's, and an AMI server.

``AmiVoicemailServer`` is a real TCP server on 127.0.0.1 that speaks enough AMI (Challenge,
Login, VoicemailMove, VoicemailRemove) and carries out moves and removals on the spool the
way app_voicemail 22 does (tests/engine/test_voicemail_ami.py shows it): the folders are
renumbered from msg0000 without gaps.
"""
import socket
import struct
import threading
from pathlib import Path

from appliance import permissions

GREETING = b"Asterisk Call Manager/11.0.0\r\n"


def wav_bytes(seconds=1, rate=8000):
    """Return a valid 16-bit mono PCM WAV of silence."""
    data = b"\x00\x00" * rate * seconds
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate,
            rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data)) + data)


def write_message(root, mailbox, folder, msg_id, callerid='"Maria" <202>', origtime=1795600000, duration=7,
                  audio=True, context="default"):
    """Write the next msgNNNN of ``folder`` as app_voicemail does (.txt, and .wav when ``audio``); return its stem."""
    directory = Path(root) / context / mailbox / folder
    directory.mkdir(parents=True, exist_ok=True)
    index = len(list(directory.glob("msg*.txt")))
    stem = directory / f"msg{index:04d}"
    stem.with_suffix(".txt").write_text(
        ";\n; Message Information file\n;\n[message]\n"
        f"origmailbox={mailbox}\ncontext=macro-vm\nmacrocontext=internal\nexten={mailbox}\nrdnis=unknown\n"
        f"priority=2\ncallerchan=PJSIP/202-00000001\ncallerid={callerid}\n"
        f"origdate=Thu Nov 26 02:45:23 AM UTC 2026\norigtime={origtime}\ncategory=\nmsg_id={msg_id}\nflag=\n"
        f"duration={duration}\n")
    if audio:
        stem.with_suffix(".wav").write_bytes(wav_bytes())
    # As Asterisk leaves them (permissions.ENGINE_UMASK): its group, the app's processes, may read them.
    permissions.share_tree(root)
    return stem


def _renumber(directory):
    stems = sorted({path.with_suffix("") for path in directory.glob("msg*.*")})
    for index, stem in enumerate(stems):
        target = directory / f"msg{index:04d}"
        if stem != target:
            for path in stem.parent.glob(stem.name + ".*"):
                path.rename(target.with_suffix(path.suffix))


def _find(directory, msg_id):
    for text in directory.glob("msg*.txt"):
        if f"msg_id={msg_id}\n" in text.read_text():
            return text.with_suffix("")
    return None


class AmiVoicemailServer:
    """A loopback AMI server that logs in anyone and acts on the spool ``root``; ``actions`` records what it got."""

    def __init__(self, root, port=0):
        self.root = Path(root)
        self.actions = []
        #: Answer Success and do nothing, as Asterisk 22 does when it cannot touch the files.
        self.do_nothing = False
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        conn.sendall(GREETING)
        buffer = b""
        with conn:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:
                    block, buffer = buffer.split(b"\r\n\r\n", 1)
                    headers = dict(line.split(": ", 1) for line in block.decode().split("\r\n") if ": " in line)
                    conn.sendall(self._reply(headers).encode())

    def _reply(self, headers):
        action, action_id = headers.get("Action", ""), headers.get("ActionID", "")
        if action == "Challenge":
            return f"Response: Success\r\nActionID: {action_id}\r\nChallenge: 123456\r\n\r\n"
        if action == "Login":
            return f"Response: Success\r\nActionID: {action_id}\r\nMessage: Authentication accepted\r\n\r\n"
        self.actions.append(headers)
        error = self._act(action, headers)
        if error:
            return f"Response: Error\r\nActionID: {action_id}\r\nMessage: {error}\r\n\r\n"
        return f"Response: Success\r\nActionID: {action_id}\r\n\r\n"

    def _act(self, action, headers):
        if action not in ("VoicemailMove", "VoicemailRemove"):
            return "Invalid/unknown command"
        box = self.root / headers["Context"] / headers["Mailbox"]
        source = box / headers["Folder"]
        stem = _find(source, headers["ID"])
        if stem is None or self.do_nothing:
            return None  # Asterisk 22 answers Success for an id it does not find
        if action == "VoicemailRemove":
            for path in source.glob(stem.name + ".*"):
                path.unlink()
        else:
            target = box / headers["ToFolder"]
            target.mkdir(parents=True, exist_ok=True)
            index = len(list(target.glob("msg*.txt")))
            for path in source.glob(stem.name + ".*"):
                path.rename(target / f"msg{index:04d}{path.suffix}")
        _renumber(source)
        return None

    def close(self):
        """Stop accepting connections (shutdown first: it wakes the thread blocked in accept)."""
        try:
            self.server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.server.close()
