"""Real off-box storage servers on 127.0.0.1 for the backup-target tests: SFTP (asyncssh) and S3 (moto's server)."""
import asyncio
import threading

import asyncssh
from moto.server import ThreadedMotoServer

from tests.engine.sipp import free_port


class _Sftp(asyncssh.SFTPServer):
    """Serves ``root`` as /; when ``read_only`` every write is refused with SSH_FX_PERMISSION_DENIED."""

    def __init__(self, chan, root, read_only):
        super().__init__(chan, chroot=root)
        self.read_only = read_only

    def open(self, path, pflags, attrs):
        if self.read_only() and pflags & (asyncssh.FXF_WRITE | asyncssh.FXF_CREAT):
            raise asyncssh.SFTPPermissionDenied("read-only")
        return super().open(path, pflags, attrs)


class _Auth(asyncssh.SSHServer):
    def __init__(self, owner):
        self.owner = owner

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return self.owner.password is not None

    def validate_password(self, username, password):
        return (username, password) == (self.owner.username, self.owner.password)

    def public_key_auth_supported(self):
        return self.owner.authorized_key is not None

    def validate_public_key(self, username, key):
        wanted = asyncssh.import_public_key(self.owner.authorized_key)
        return username == self.owner.username and key.public_data == wanted.public_data


class SftpServer:
    """An SFTP server chrooted to ``root``: ``start()``/``stop()``; ``port`` stays across restarts.

    ``password`` enables password login, ``authorized_key`` (an OpenSSH public key line) key login.
    ``new_host_key()`` restarts it with another host key (a replaced or impersonated server).
    """

    def __init__(self, root, username="backup", password=None, authorized_key=None):
        self.root, self.username, self.password, self.authorized_key = str(root), username, password, authorized_key
        self.port = free_port()
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.read_only = False
        self._loop = self._thread = self._server = None

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(20)

    async def _listen(self):
        return await asyncssh.listen(
            "127.0.0.1", self.port, server_host_keys=[self.host_key], reuse_address=True,
            server_factory=lambda: _Auth(self),
            sftp_factory=lambda chan: _Sftp(chan, self.root, lambda: self.read_only))

    async def _close(self):
        self._server.close()
        await self._server.wait_closed()

    def start(self):
        """Listen on 127.0.0.1:port; return self."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sftp-server", daemon=True)
        self._thread.start()
        self._server = self._run(self._listen())
        return self

    def stop(self):
        """Stop listening and end the server's thread."""
        if self._loop is None:
            return
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = self._thread = self._server = None

    def new_host_key(self):
        """Restart with a different host key."""
        self.stop()
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        return self.start()


class S3Server:
    """moto's S3-compatible server on 127.0.0.1 (its own process state: every bucket starts empty)."""

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self):
        """Serve; return self."""
        self._server.start()
        return self

    def stop(self):
        """Stop serving."""
        self._server.stop()

    def client(self):
        """A boto3 client of this server (for the tests' own look at the bucket)."""
        import boto3

        return boto3.session.Session().client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                                               aws_access_key_id="testing", aws_secret_access_key="testing")
