"""One database connection per request (PostgreSQL), or per worker thread (SQLite).

peewee's framework-integration docs advise opening at the start of a request and closing at
its end. For SQLite a connection is a file handle, not a server's slot: closing it is the
expensive part (the last connection to close checkpoints the WAL and deletes it, ~20 ms), and
opening one runs the pragmas again. So an SQLite connection stays open for its thread's life
(peewee keeps one per thread); nothing stays in a transaction between requests.
"""
import peewee

from appliance import db


def init_app(app):
    """Open the connection when a request starts and, unless it is SQLite's, close it when it ends."""

    @app.before_request
    def _open_db():
        db.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close_db(exc):
        if not isinstance(db.database.obj, peewee.SqliteDatabase):
            db.close()
