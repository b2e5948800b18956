"""Ansible connection that runs tasks inside a directory tree with chroot(8).

The image build customises the mmdebstrap'ed root this way: the tree is a plain folder
(no loop device, no boot), so modules run with the root's own Python under ``chroot``
and files are copied straight into the tree. Written for Centralina; needs only ansible-core.
"""
import os
import shutil
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.connection import ConnectionBase

DOCUMENTATION = """
name: chroot_dir
short_description: Run tasks in a directory tree with chroot(8)
description:
  - Runs every command as root inside the tree through C(chroot DIR /bin/sh -c ...), copies files
    in and out of the tree directly. The controller must run as root.
author: Centralina
options:
  remote_addr:
    description: The root directory of the tree.
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
"""

# The tree's processes get a clean environment, not the controller's (its virtualenv, locale).
_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}


class Connection(ConnectionBase):
    """Commands and files of one chroot tree."""

    transport = "chroot_dir"
    has_pipelining = True
    default_user = "root"

    def _connect(self):
        self.root = os.path.realpath(self.get_option("remote_addr"))
        if not os.path.isfile(os.path.join(self.root, "bin/sh")):
            raise AnsibleConnectionFailure(f"{self.root} is not a root filesystem tree (no bin/sh)")
        if os.geteuid() != 0:
            raise AnsibleConnectionFailure("chroot_dir needs the controller to run as root")
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=False):
        """Run ``cmd`` with the tree's /bin/sh inside the tree; return (rc, stdout, stderr)."""
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        proc = subprocess.Popen(["chroot", self.root, "/bin/sh", "-c", cmd], env=_ENV,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(in_data)
        return proc.returncode, out, err

    def _in_tree(self, path):
        return os.path.join(self.root, os.path.normpath("/" + path).lstrip("/"))

    def put_file(self, in_path, out_path):
        """Copy the controller's ``in_path`` to ``out_path`` inside the tree."""
        super().put_file(in_path, out_path)
        try:
            shutil.copyfile(in_path, self._in_tree(out_path))
        except OSError as error:
            raise AnsibleError(f"could not copy {in_path} into {self.root}{out_path}: {error}") from error

    def fetch_file(self, in_path, out_path):
        """Copy ``in_path`` of the tree to the controller's ``out_path``."""
        super().fetch_file(in_path, out_path)
        shutil.copyfile(self._in_tree(in_path), out_path)

    def close(self):
        """Nothing to tear down: no process outlives a command."""
        self._connected = False
