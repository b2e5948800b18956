"""The demo company seeded on first run: a few people, so every page has something to show."""
import os
from pathlib import Path

from appliance import passwords
from appliance.db import database
from appliance.models.users import User
from appliance.services import Actor, extensions, groups, users

PEOPLE = [
    ("supervisora", "Ana Souza", "supervisor"),
    ("joao", "João Pereira", "user"),
    ("maria", "Maria Oliveira", "user"),
]
#: (number, name, user who opens its panel)
EXTENSIONS = [("201", "Recepção", "admin"), ("202", "João Pereira", "joao"), ("203", "Maria Oliveira", "maria"),
              ("204", "Ana Souza", "supervisora")]
#: Calls to 600 ring the front desk and sales together; nobody answering leaves a message for the desk.
RING_GROUP = ("600", "Atendimento", ["201", "202", "203"], "voicemail:201")
PICKUP_GROUP = ("Recepção", ["201", "202", "203", "204"])


def _password_file(conf):
    return Path(conf["VAR_DIR"]) / "admin-password.txt"


def seed(conf):
    """Create the admin (random password kept in VAR_DIR until changed) and demo people, once."""
    if User.select().exists():
        return False
    actor = Actor.system("demo")
    admin_password = passwords.generate(16)
    with database.atomic():
        people = {"admin": users.create(users.UserInput("admin", admin_password, "Administrador", role="admin"),
                                        actor)}
        for username, name, role in PEOPLE:
            people[username] = users.create(users.UserInput(username, passwords.generate(16), name, role=role),
                                            actor)
        for number, name, username in EXTENSIONS:
            extension, _ = extensions.create(extensions.ExtensionInput(number, name), actor)
            extensions.update(extension.id, extensions.ExtensionChanges(name, True, user_id=people[username].id),
                              actor)
        number, name, members, destination = RING_GROUP
        groups.save_ring_group(groups.RingGroupInput(number, name, members=members, destination=destination), actor)
        groups.save_pickup_group(*PICKUP_GROUP, actor)
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
