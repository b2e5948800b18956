"""A real HTTP server on 127.0.0.1 that receives webhooks, answers as told, and verifies signatures.

``verify`` uses nothing but the shared secret, as a customer's receiver would.
"""
import hashlib
import hmac
import http.server
import json
import threading
import time

from tests.engine.sipp import free_port

#: The replay window a receiver enforces (seconds), as decision 018 documents.
TOLERANCE = 300


def verify(secret, headers, body, now=None):
    """Return True when ``Centralina-Signature`` signs ``body`` (bytes) with ``secret`` within the window."""
    fields = dict(part.split("=", 1) for part in headers.get("Centralina-Signature", "").split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


class Receiver:
    """Keeps every request (path, headers, body, status answered); ``status[path]`` sets the answer."""

    def __init__(self):
        self.requests = []
        self.status = {}
        self._lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as most receivers
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                code = owner.status.get(self.path, 200)
                with owner._lock:
                    owner.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                           "status": code, "wall": time.time()})
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path):
        """Return the URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def received(self, path=None):
        """Return the requests received (on ``path``), each with its parsed JSON ``event``."""
        with self._lock:
            found = [dict(one) for one in self.requests if path is None or one["path"] == path]
        for one in found:
            one["event"] = json.loads(one["body"])
        return found

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
