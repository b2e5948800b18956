"""Secrets stay out of the logs even when someone turns the app's logging to DEBUG."""
import logging

from appliance.services import Actor, trunks


def test_a_saved_trunk_password_is_not_in_a_debug_log(database, caplog):
    caplog.set_level(logging.DEBUG)  # the root logger, as a DEBUG journal would have it
    trunks.save_trunk(trunks.TrunkInput(name="Carrier", host="10.0.0.1", username="acct",
                                        password="trunk-secret-8d1f2a"), Actor.system("test"))

    assert "trunk-secret-8d1f2a" not in caplog.text
