"""Users (admins): the same services as the Users pages."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.models.users import ROLES, User
from appliance.services import users
from appliance.settings import LANGUAGES
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    PageArgs,
    UtcDateTime,
    check_if_match,
    json_response,
    length,
    linked,
    one_of,
    page,
    page_schema,
    pattern,
    respond,
)
from web.api.crud import written

#: The users service refuses every control character (Unicode category Cc: C0, DEL and C1).
NO_CONTROLS = r"^[^\x00-\x1f\x7f-\x9f]*$"
#: The users service's e-mail rule (services.users.EMAIL_RE), or empty for none.
EMAIL = r"^$|^[^@\s<>\"'\x00-\x1f\x7f-\x9f]{1,64}@[A-Za-z0-9.-]{1,188}\.[A-Za-z]{2,24}$"

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="People who log in, and their roles.")


class UserSchema(Schema):
    """A user (never the password hash)."""

    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    language = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    last_login_at = UtcDateTime(dump_only=True, allow_none=True)


class UserCreateSchema(Schema):
    """A new user and their first password."""

    username = fields.String(required=True, validate=[length(min=2, max=64), pattern(r"^[a-z0-9][a-z0-9._-]{1,63}$")])
    password = fields.String(required=True, validate=length(min=10, max=128), load_only=True)
    display_name = fields.String(load_default="", validate=[length(max=120), pattern(NO_CONTROLS)])
    email = fields.String(load_default="", validate=[length(max=254), pattern(EMAIL)])
    role = fields.String(load_default="user", validate=one_of(ROLES))
    language = fields.String(load_default=lambda: current_app.config["DEFAULT_LOCALE"],
                             validate=one_of(tuple(LANGUAGES)),
                             metadata={"description": "Absent: the site's default language"})


class UserChangeSchema(Schema):
    """Fields to change; those left out keep their value."""

    display_name = fields.String(validate=[length(max=120), pattern(NO_CONTROLS)])
    email = fields.String(validate=[length(max=254), pattern(EMAIL)])
    role = fields.String(validate=one_of(ROLES))
    language = fields.String(validate=one_of(tuple(LANGUAGES)))
    active = fields.Boolean()


class UserFilter(PageArgs):
    """List filters: part of the user name or display name."""

    q = fields.String(load_default="", validate=length(max=64))


class NewPasswordSchema(Schema):
    """A password just generated, shown this once."""

    password = fields.String(required=True)


ONE = "/api/v1/users/{user_id}"


@blp.route("")
class Users(MethodView):
    """The list of users, and new ones."""

    @requires(blp, "users:read")
    @blp.arguments(UserFilter, location="query")
    @blp.response(200, page_schema(UserSchema))
    def get(self, args):
        """List users by id, filtered by name."""
        return page(UserSchema, users.list_users(args["q"]).order_by(), User.id, args)

    @requires(blp, "users:write")
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @linked(blp, 201, "user_id", "/id", ("GET", ONE), ("PATCH", ONE), ("POST", ONE + "/password"))
    def post(self, data):
        """Create a user."""
        user = users.create(users.UserInput(**data), actor())
        return respond(UserSchema, user, 201, {"Location": f"{blp.url_prefix}/{user.id}"})


@blp.route(f"/<{ID}:user_id>")
class UserItem(MethodView):
    """One user."""

    @requires(blp, "users:read")
    @blp.response(200, UserSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, user_id):
        """Read a user (with its ETag)."""
        return respond(UserSchema, users.get_user(user_id))

    @requires(blp, "users:write")
    @blp.arguments(UserChangeSchema)
    @written(blp, 200, UserSchema)
    def patch(self, data, user_id):
        """Change a user; the last active administrator cannot lose the role."""
        user = users.get_user(user_id)
        check_if_match(UserSchema, user)
        current = user.public_fields()
        changes = users.UserChanges(**{name: data.get(name, current[name])
                                       for name in ("display_name", "email", "role", "language", "active")})
        return respond(UserSchema, users.update(user_id, changes, actor()))


@blp.route(f"/<{ID}:user_id>/password", methods=["POST"])
@requires(blp, "users:write")
@blp.response(200, NewPasswordSchema)
@blp.alt_response(404, response="NOT_FOUND")
def user_reset_password(user_id):
    """Give a user a new random password, shown this once; their sessions end."""
    return json_response({"password": users.reset_password(user_id, actor())})
