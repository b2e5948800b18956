"""Ban rows: a user name's block reaches its endpoint row, expiry lets it back, rows are validated."""
import datetime

import pytest

from appliance.models.bans import Ban
from appliance.models.users import utcnow
from appliance.services import Actor, bans, engine_rows, extensions

DAEMON = Actor.system("daemon")


def _pair(address, username, seconds=3600, now=None):
    return bans.block(bans.BanInput(address, username, "sip", "password", seconds, 10, (username,)), DAEMON, now=now)


def _refused(number):
    return {device.username: device.refused_from for device in engine_rows.engine_devices()}[number]


def test_a_user_name_block_reaches_that_device_only(database):
    extensions.create(extensions.ExtensionInput("201", "Ana"), DAEMON)
    extensions.create(extensions.ExtensionInput("202", "Bia"), DAEMON)

    _pair("203.0.113.9", "201")
    _pair("2001:db8::9", "201")

    assert _refused("201") == ("2001:db8::9", "203.0.113.9") and _refused("202") == ()
    assert [d.refused_from for d in engine_rows.engine_devices(usernames={"201"})] == [("2001:db8::9", "203.0.113.9")]


def test_expired_blocks_are_deleted_and_let_the_user_name_back(database):
    extensions.create(extensions.ExtensionInput("201", "Ana"), DAEMON)
    past = utcnow() - datetime.timedelta(hours=2)
    _pair("203.0.113.9", "201", now=past)
    kept = _pair("198.51.100.1", "201")

    done = bans.expire()

    assert [ban.address for ban in done] == ["203.0.113.9"]
    assert [ban.id for ban in Ban.select()] == [kept.id]
    assert _refused("201") == ("198.51.100.1",)


def test_only_addresses_are_blocked(database):
    with pytest.raises(ValueError):
        _pair("203.0.113.9/24", "201")
    with pytest.raises(ValueError):
        _pair("not-an-address", "")
    assert not Ban.select().exists()
