"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, optionally with AUTH."""
import email
import email.policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.engine.sipp import free_port


class Inbox:
    """aiosmtpd handler: every accepted message, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def _authenticator(username, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            username.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    return check


class SmtpServer:
    """Start with ``start()``, stop with ``stop()``; ``port`` stays the same across restarts."""

    def __init__(self, port=None, username=None, password=None):
        self.port = port or free_port()
        self.inbox = Inbox()
        self.credentials = (username, password) if username else None
        self.controller = None

    def start(self):
        """Listen on 127.0.0.1:port; return self."""
        kwargs = {}
        if self.credentials:
            kwargs = dict(authenticator=_authenticator(*self.credentials), auth_require_tls=False)
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def stop(self):
        """Stop listening."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        """Return ``[(mail_from, rcpt_tos, EmailMessage)]`` received so far."""
        return self.inbox.messages
