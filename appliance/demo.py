"""The demo company seeded on first run: a few people, so every page has something to show."""
import os
from pathlib import Path

from appliance import passwords
from appliance.db import database
from appliance.models.users import User
from appliance.services import Actor, extensions, users

PEOPLE = [
    ("supervisora", "Ana Souza", "supervisor"),
    ("joao", "João Pereira", "user"),
    ("maria", "Maria Oliveira", "user"),
]
EXTENSIONS = [("201", "Recepção"), ("202", "João Pereira"), ("203", "Maria Oliveira"), ("204", "Ana Souza")]


def _password_file(conf):
    return Path(conf["VAR_DIR"]) / "admin-password.txt"


def seed(conf):
    """Create the admin (random password kept in VAR_DIR until changed) and demo people, once."""
    if User.select().exists():
        return False
    actor = Actor.system("demo")
    admin_password = passwords.generate(16)
    with database.atomic():
        users.create(users.UserInput("admin", admin_password, "Administrador", role="admin"), actor)
        for username, name, role in PEOPLE:
            users.create(users.UserInput(username, passwords.generate(16), name, role=role), actor)
        for number, name in EXTENSIONS:
            extensions.create(extensions.ExtensionInput(number, name), actor)
    path = _password_file(conf)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(admin_password + "\n")
    return True


def login_hint(conf):
    """Describe how to log in as admin: the first-run password while it still works."""
    path = _password_file(conf)
    admin = users.find_user("admin")
    if path.exists() and admin and passwords.verify_password(admin.password_hash, path.read_text().strip()):
        return f"login: admin / password: {path.read_text().strip()}"
    return "login: admin (password changed since first run; `centralina admin reset-password admin` sets a new one)"
