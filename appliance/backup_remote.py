"""Off-box backup storage: an SFTP folder (paramiko) or an S3-compatible bucket (boto3), one interface.

A ``Store`` is opened for one job (``with store:``) and offers ``put``, ``names``, ``get``, ``delete`` and
``probe``. It knows nothing of the database: services/backup_targets.py hands it the settings and maps
what it raises, a ``StoreError`` carrying a translatable message, to the page, the API and the alerts.
Only names the caller gives are touched: listing filters on ``name_re`` so retention can never reach a
file that is not one of ours.
"""
import base64
import errno
import hashlib
import io
import posixpath
import secrets
import socket

from appliance.errors import Unavailable
from appliance.i18n import N_

#: Seconds to connect and to wait for the server between packets.
TIMEOUT = 20
PROBE_BYTES = b"centralina backup target probe\n"


class StoreError(Unavailable):
    """The target could not be reached or refused an operation; the message says why in the user's words."""


class HostKeyChanged(StoreError):
    """The SFTP server's host key is not the one pinned: nothing is sent until an admin trusts the new one."""


def fingerprint(key_line):
    """Return the OpenSSH SHA-256 fingerprint ("SHA256:…") of a public key line "type base64 [comment]"."""
    blob = base64.b64decode(key_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def new_key_pair(comment="centralina-backup"):
    """Return ``(private OpenSSH PEM, public "ssh-ed25519 … comment")`` of a fresh Ed25519 key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, f"{public.decode()} {comment}"


def _connect_error(exc, host, port):
    if isinstance(exc, socket.gaierror):
        return StoreError(N_("The server name %(host)s could not be found (DNS)."), host=host)
    if isinstance(exc, ConnectionRefusedError):
        return StoreError(N_("%(host)s refused the connection on port %(port)d."), host=host, port=port)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return StoreError(N_("%(host)s did not answer on port %(port)d in time."), host=host, port=port)
    return StoreError(N_("Could not connect to %(host)s on port %(port)d."), host=host, port=port)


class SftpStore:
    """A folder on an SFTP server; the host key must match ``host_key`` ("type base64") when one is pinned."""

    def __init__(self, host, port, username, folder, password="", private_key="", host_key=""):
        self.host, self.port, self.username = host, port, username
        self.folder = folder or "."
        self.password, self.private_key, self.host_key = password, private_key, host_key
        self.seen_host_key = ""  # what the server presented: the caller pins it after a successful test
        self._transport = self._sftp = None

    def __enter__(self):
        import paramiko

        try:
            sock = socket.create_connection((self.host, self.port), timeout=TIMEOUT)
        except OSError as exc:
            raise _connect_error(exc, self.host, self.port) from exc
        transport = paramiko.Transport(sock)
        self._transport = transport
        try:
            transport.start_client(timeout=TIMEOUT)
            key = transport.get_remote_server_key()
            self.seen_host_key = f"{key.get_name()} {key.get_base64()}"
            if self.host_key and self.host_key.split()[:2] != self.seen_host_key.split():
                raise HostKeyChanged(
                    N_("The server's host key changed (it now shows %(seen)s; the trusted key was %(trusted)s): "
                       "nothing was sent. If the server was really replaced, forget the trusted key and test "
                       "the connection again."),
                    seen=fingerprint(self.seen_host_key), trusted=fingerprint(self.host_key))
            if self.private_key:
                transport.auth_publickey(self.username, paramiko.Ed25519Key.from_private_key(
                    io.StringIO(self.private_key)))
            else:
                transport.auth_password(self.username, self.password)
            self._sftp = paramiko.SFTPClient.from_transport(transport)
            self._sftp.get_channel().settimeout(TIMEOUT)
        except StoreError:
            self.close()
            raise
        except paramiko.AuthenticationException as exc:
            self.close()
            raise StoreError(N_("The server refused the username, password or key.")) from exc
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self.close()
            raise StoreError(N_("The SSH connection to %(host)s failed."), host=self.host) from exc
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Close the session and the connection."""
        if self._sftp is not None:
            self._sftp.close()
        if self._transport is not None:
            self._transport.close()
        self._sftp = self._transport = None

    def _path(self, name):
        return posixpath.join(self.folder, name)

    def _failed(self, exc):
        if isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES:
            return StoreError(N_("Permission denied in the folder %(folder)s on the server."), folder=self.folder)
        if isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT:
            return StoreError(N_("The folder %(folder)s does not exist on the server."), folder=self.folder)
        return StoreError(N_("The transfer with %(host)s failed."), host=self.host)

    def put(self, path, name):
        """Upload the file ``path`` as ``name``: written under a temporary name, then renamed (never half a file)."""
        partial = self._path(f"{name}.partial")
        try:
            self._sftp.put(str(path), partial, confirm=True)
            try:
                self._sftp.posix_rename(partial, self._path(name))
            except OSError:
                self._sftp.rename(partial, self._path(name))
        except OSError as exc:
            try:
                self._sftp.remove(partial)
            except OSError:
                pass
            raise self._failed(exc) from exc

    def names(self, name_re):
        """Return ``{name: size}`` of the regular files in the folder whose names match ``name_re``."""
        import stat

        try:
            entries = self._sftp.listdir_attr(self.folder)
        except OSError as exc:
            raise self._failed(exc) from exc
        return {entry.filename: entry.st_size for entry in entries
                if name_re.fullmatch(entry.filename) and stat.S_ISREG(entry.st_mode or 0)}

    def get(self, name, out):
        """Copy the file ``name`` into the binary file object ``out``."""
        try:
            self._sftp.getfo(self._path(name), out)
        except OSError as exc:
            raise self._failed(exc) from exc

    def delete(self, name):
        """Remove the file ``name``."""
        try:
            self._sftp.remove(self._path(name))
        except OSError as exc:
            raise self._failed(exc) from exc

    def probe(self):
        """Write, read back and delete a small file; raise StoreError when any step fails."""
        name = self._path(f".centralina-probe-{secrets.token_hex(6)}")
        try:
            with self._sftp.open(name, "wb") as handle:
                handle.write(PROBE_BYTES)
            with self._sftp.open(name, "rb") as handle:
                read = handle.read()
            self._sftp.remove(name)
        except OSError as exc:
            raise self._failed(exc) from exc
        if read != PROBE_BYTES:
            raise StoreError(N_("The file read back from the target differs from the one written."))


_S3_AUTH = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
            "AuthorizationHeaderMalformed", "InvalidClientTokenId", "UnrecognizedClientException"}


class S3Store:
    """Objects under ``prefix`` in an S3-compatible bucket (AWS, MinIO, Ceph, …)."""

    def __init__(self, endpoint, region, bucket, prefix, access_key, secret_key, path_style=False):
        self.endpoint, self.region, self.bucket = endpoint, region, bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.access_key, self.secret_key, self.path_style = access_key, secret_key, path_style
        self._client = None

    def __enter__(self):
        import boto3
        from botocore.config import Config

        # Checksums only when the operation needs one: older MinIO and Ceph refuse the newer default headers.
        config = Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT * 3, retries={"max_attempts": 2},
                        s3={"addressing_style": "path" if self.path_style else "auto"},
                        request_checksum_calculation="when_required", response_checksum_validation="when_required")
        session = boto3.session.Session()  # one per job: the default session is not thread-safe
        self._client = session.client("s3", endpoint_url=self.endpoint or None, region_name=self.region or "us-east-1",
                                      aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                                      config=config)
        return self

    def __exit__(self, *exc):
        self._client = None

    def _failed(self, exc):
        from botocore.exceptions import (
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            NoCredentialsError,
        )

        where = self.endpoint or "S3"
        if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
            return StoreError(N_("Could not connect to the storage at %(endpoint)s."), endpoint=where)
        if isinstance(exc, NoCredentialsError):
            return StoreError(N_("The storage refused the access key or the secret key."))
        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket":
                return StoreError(N_("The bucket %(bucket)s does not exist."), bucket=self.bucket)
            if code in _S3_AUTH:
                return StoreError(N_("The storage refused the access key or the secret key."))
            if code in {"AccessDenied", "403", "AllAccessDisabled"}:
                return StoreError(N_("The storage denied access to the bucket %(bucket)s (check the key's "
                                     "permissions)."), bucket=self.bucket)
        return StoreError(N_("The transfer with the storage at %(endpoint)s failed."), endpoint=where)

    def _call(self, method, *args, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return method(*args, **kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise self._failed(exc) from exc

    def put(self, path, name):
        """Upload the file ``path`` as ``name`` (an object appears whole or not at all)."""
        self._call(self._client.upload_file, str(path), self.bucket, self.prefix + name)

    def names(self, name_re):
        """Return ``{name: size}`` of the objects right under the prefix whose names match ``name_re``."""
        found = {}
        paginator = self._client.get_paginator("list_objects_v2")
        pages = self._call(lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)))
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if name_re.fullmatch(name):
                    found[name] = item["Size"]
        return found

    def get(self, name, out):
        """Copy the object ``name`` into the binary file object ``out``."""
        self._call(self._client.download_fileobj, self.bucket, self.prefix + name, out)

    def delete(self, name):
        """Remove the object ``name``."""
        self._call(self._client.delete_object, Bucket=self.bucket, Key=self.prefix + name)

    def probe(self):
        """Write, read back and delete a small object; raise StoreError when any step fails."""
        key = f"{self.prefix}.centralina-probe-{secrets.token_hex(6)}"
        self._call(self._client.put_object, Bucket=self.bucket, Key=key, Body=PROBE_BYTES)
        read = self._call(lambda: self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        self._call(self._client.delete_object, Bucket=self.bucket, Key=key)
        if read != PROBE_BYTES:
            raise StoreError(N_("The file read back from the target differs from the one written."))
