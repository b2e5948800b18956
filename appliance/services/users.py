"""Web accounts: create, edit, disable, reset passwords, authenticate.

A new password or a disabled account ends every session of that user (appliance.services.sessions).
"""
import re
import unicodedata
from dataclasses import dataclass

from appliance import passwords
from appliance.db import database
from appliance.errors import NotFound, PermissionDenied, ValidationError
from appliance.i18n import N_
from appliance.models.users import ROLES, User, utcnow
from appliance.services import audit, sessions
from appliance.settings import LANGUAGES

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,188}\.[A-Za-z]{2,24}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 128


@dataclass
class UserInput:
    """What an admin types to create a user."""

    username: str
    password: str
    display_name: str = ""
    email: str = ""
    role: str = "user"
    language: str = "pt_BR"


@dataclass
class UserChanges:
    """What an admin may change on an existing user."""

    display_name: str
    email: str
    role: str
    language: str
    active: bool


def get_user(user_id):
    """Return the user with ``user_id`` or raise NotFound."""
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound(N_("User not found."))
    return user


def find_user(username):
    """Return the user called ``username`` or None."""
    return User.get_or_none(User.username == (username or "").strip().lower())


def list_users(search=""):
    """Return users ordered by name, optionally filtered by a search term."""
    query = User.select().order_by(User.username)
    if search:
        query = query.where(User.username.contains(search) | User.display_name.contains(search))
    return query


def _clean_text(value, field, max_length, errors):
    value = (value or "").strip()
    if len(value) > max_length:
        errors[field] = (N_("Use at most %(max)d characters."), {"max": max_length})
    elif any(unicodedata.category(ch) == "Cc" for ch in value):
        errors[field] = (N_("Control characters are not allowed."), {})
    return value


def _validate_profile(display_name, email, role, language, errors):
    display_name = _clean_text(display_name, "display_name", 120, errors)
    email = _clean_text(email, "email", 254, errors)
    if email and "email" not in errors and not EMAIL_RE.match(email):
        errors["email"] = (N_("Enter a valid e-mail address."), {})
    if role not in ROLES:
        errors["role"] = (N_("Choose a valid role."), {})
    if language not in LANGUAGES:
        errors["language"] = (N_("Choose a valid language."), {})
    return display_name, email


def validate_password(password, username, field="password"):
    """Raise ValidationError unless ``password`` is acceptable for ``username``."""
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError.one(field, N_("The password must have at least %(min)d characters."), min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise ValidationError.one(field, N_("Use at most %(max)d characters."), max=MAX_PASSWORD)
    if len(username or "") >= 3 and username.lower() in password.lower():
        raise ValidationError.one(field, N_("The password must not contain the user name."))


def create(data, actor):
    """Create a user from ``data`` (a UserInput) and record it in the audit log."""
    errors = {}
    username = (data.username or "").strip().lower()
    if len(username) > 64:
        errors["username"] = (N_("Use at most %(max)d characters."), {"max": 64})
    elif not USERNAME_RE.match(username):
        errors["username"] = (
            N_("Use 2 to 64 characters: lowercase letters, digits, dot, dash or underscore, "
               "starting with a letter or digit."),
            {},
        )
    display_name, email = _validate_profile(data.display_name, data.email, data.role, data.language, errors)
    if not errors:
        try:
            validate_password(data.password, username)
        except ValidationError as error:
            errors.update(error.fields)
    if errors:
        raise ValidationError(errors)
    # Hashed before the transaction: argon2's ~0.1 s between the transaction's first read and its
    # write let another process's commit in, and SQLite then refuses the write ("database is locked").
    password_hash = passwords.hash_password(data.password)
    with database.atomic():
        if find_user(username) is not None:
            raise ValidationError.one("username", N_("The user name %(name)s is already taken."), name=username)
        user = User.create(
            username=username,
            display_name=display_name,
            email=email,
            role=data.role,
            language=data.language,
            password_hash=password_hash,
        )
        audit.record(actor, "user.create", "user", user.id, user.username, after=user.public_fields())
    return user


def _active_admins_besides(user):
    return User.select().where((User.role == "admin") & User.active & (User.id != user.id)).count()


def update(user_id, changes, actor):
    """Apply ``changes`` (a UserChanges) to a user; the last active admin cannot lose admin rights."""
    errors = {}
    display_name, email = _validate_profile(changes.display_name, changes.email, changes.role, changes.language, errors)
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        user = get_user(user_id)
        before = user.public_fields()
        demoted = user.role == "admin" and user.active and (changes.role != "admin" or not changes.active)
        if demoted and _active_admins_besides(user) == 0:
            raise PermissionDenied(N_("At least one active administrator must remain."))
        if user.id == actor.user_id and not changes.active:
            raise PermissionDenied(N_("You cannot disable your own account."))
        user.display_name, user.email = display_name, email
        user.role, user.language, user.active = changes.role, changes.language, changes.active
        after = user.public_fields()
        if after == before:
            return user
        user.save()
        if not user.active:
            sessions.end_all(user.id)
        audit.record(actor, "user.update", "user", user.id, user.username, before=before, after=after)
    return user


def reset_password(user_id, actor):
    """Give a user a new random password; return it (shown once, never stored in clear)."""
    new_password = passwords.generate(16)
    password_hash = passwords.hash_password(new_password)  # outside the transaction, as in create()
    with database.atomic():
        user = get_user(user_id)
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        user.save()
        sessions.end_all(user.id)
        audit.record(actor, "user.reset_password", "user", user.id, user.username)
    return new_password


def set_password(user_id, new_password, actor):
    """Set a chosen password (the CLI's reset); audited without the password."""
    validate_password(new_password, get_user(user_id).username)
    password_hash = passwords.hash_password(new_password)  # outside the transaction, as in create()
    with database.atomic():
        user = get_user(user_id)
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        user.save()
        sessions.end_all(user.id)
        audit.record(actor, "user.reset_password", "user", user.id, user.username)
    return user


def change_own_password(user_id, current_password, new_password):
    """Let a user change their password after proving the current one."""
    user = get_user(user_id)
    if not passwords.verify_password(user.password_hash, current_password or ""):
        raise ValidationError.one("current_password", N_("The current password is wrong."))
    validate_password(new_password, user.username, field="new_password")
    password_hash = passwords.hash_password(new_password)  # outside the transaction, as in create()
    with database.atomic():
        user.password_hash = password_hash
        user.password_changed_at = utcnow()
        user.save()
        sessions.end_all(user.id)  # this one too: the next page asks for the new password
    return user


def set_language(user_id, language):
    """Set the language a user sees the app in."""
    if language not in LANGUAGES:
        raise ValidationError.one("language", N_("Choose a valid language."))
    User.update(language=language).where(User.id == user_id).execute()


def authenticate(username, password):
    """Return the active user whose credentials these are, or None; rehash outdated hashes."""
    user = find_user(username)
    if user is None or len(password or "") > MAX_PASSWORD:
        passwords.verify_password(passwords.dummy_hash(), password or "")
        return None
    if not passwords.verify_password(user.password_hash, password) or not user.active:
        return None
    fields = {"last_login_at": utcnow()}
    if passwords.needs_rehash(user.password_hash):
        fields["password_hash"] = passwords.hash_password(password)
    User.update(**fields).where(User.id == user.id).execute()
    return user
