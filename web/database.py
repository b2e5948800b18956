"""One database connection per request, as peewee's framework-integration docs advise."""
from appliance import db


def init_app(app):
    """Open the connection when a request starts and close it when it ends."""

    @app.before_request
    def _open_db():
        db.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(exc):
        db.close()
