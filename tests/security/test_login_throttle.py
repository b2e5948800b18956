"""Finding 7: password guessing is slowed per (account, address) and per address, never locking the owner out."""
from appliance.services import logins, throttles
from tests.conftest import ADMIN_PASSWORD
from tests.security import worker
from tests.security.conftest import ATTACKER, OWNER, client_at
from web import create_app


def test_hammering_the_admin_from_one_address_does_not_lock_the_admin_out_elsewhere(app):
    _, attacker = client_at(app, ATTACKER)
    statuses = [attacker.login(password=f"guess-{n}").status_code for n in range(30)]
    assert statuses[:3] == [401, 401, 401] and statuses.count(429) >= 25  # refused unheard, not checked
    _, owner = client_at(app, OWNER)
    assert owner.login().status_code == 302


def test_a_failing_address_waits_twice_as_long_after_each_failure(app, clock):
    _, attacker = client_at(app, ATTACKER)
    for _ in range(3):  # typos are free
        response = attacker.login(password="wrong-password")
        assert response.status_code == 401 and "Retry-After" not in response.headers
    waits = []
    for _ in range(4):
        response = attacker.login(password="wrong-password")
        assert response.status_code == 401
        waits.append(int(response.headers["Retry-After"]))
        refused = attacker.login(password="another-guess")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == str(waits[-1])
        assert "Tentativas demais" in refused.get_data(as_text=True)
        clock.advance(waits[-1])
    assert waits == [2, 4, 8, 16]


def test_even_the_right_password_waits_on_an_address_that_keeps_failing(app, clock):
    client, attacker = client_at(app, ATTACKER)
    for _ in range(4):
        attacker.login(password="wrong-password")
    response = attacker.login()
    assert response.status_code == 429 and client.get("/admin/users").status_code == 302
    clock.advance(2)
    assert attacker.login().status_code == 302  # after the wait it is heard, and the pair starts again
    assert throttles.failures(logins.account_key("admin", ATTACKER)) == 0


def test_spraying_many_accounts_from_one_address_hits_the_address_cap(app):
    app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"] = 6
    _, attacker = client_at(app, ATTACKER)
    statuses = [attacker.login(username=f"user{n}", password="Summer2024!").status_code for n in range(6)]
    assert statuses == [401] * 6  # one guess per account: no (account, address) pair ever waits
    response = attacker.login(username="user6", password="Summer2024!")
    assert response.status_code == 401 and response.headers["Retry-After"] == "2"
    assert attacker.login(username="user7", password="Summer2024!").status_code == 429
    assert attacker.login().status_code == 429  # the admin's right password from the spraying address
    _, owner = client_at(app, OWNER)
    assert owner.login().status_code == 302


def test_forged_forwarded_for_headers_do_not_dodge_the_throttle(app):
    client, attacker = client_at(app, ATTACKER)
    statuses = []
    for n in range(5):  # a new "address" each time, as a proxy would say it: no proxy is trusted
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"10.0.0.{n}"
        statuses.append(attacker.login(password="wrong-password").status_code)
    assert statuses == [401, 401, 401, 401, 429]
    assert throttles.failures(logins.address_key(ATTACKER)) == 4


def _long_waits(app, worker_config):
    """A first wait of a minute: another process starting under a loaded machine must still find the
    address waiting (with the default 2 s the wait could end before that process asked)."""
    app.config["LOGIN_FIRST_DELAY"] = worker_config["LOGIN_FIRST_DELAY"] = 60


def test_another_worker_process_sees_the_same_counts(app, worker_config):
    _long_waits(app, worker_config)
    _, attacker = client_at(app, ATTACKER)
    for _ in range(3):
        assert attacker.login(password="wrong-password").status_code == 401
    # The 4th failure lands on another process: it counts on from 3 and makes the address wait.
    fourth, owner_elsewhere = worker.run(worker_config, [
        {"address": ATTACKER, "login": ["admin", "wrong-password"]},
        {"address": OWNER, "login": ["admin", ADMIN_PASSWORD]},
    ])
    assert fourth["status"] == 401 and fourth["retry_after"] == "60"
    assert owner_elsewhere["status"] == 302
    assert attacker.login().status_code == 429  # and this process sees what that one counted


def test_counts_survive_re_creating_the_app(app, worker_config):
    _long_waits(app, worker_config)
    _, attacker = client_at(app, ATTACKER)
    for _ in range(4):
        attacker.login(password="wrong-password")
    restarted = create_app(worker_config)
    _, attacker_again = client_at(restarted, ATTACKER)
    assert attacker_again.login().status_code == 429
    (after_restart,) = worker.run(worker_config, [{"address": ATTACKER, "login": ["admin", ADMIN_PASSWORD]}])
    assert after_restart["status"] == 429


def test_waits_stop_doubling_at_the_maximum_and_counts_are_forgotten_after_a_quiet_hour(app, clock):
    app.config["LOGIN_MAX_DELAY"] = 10
    _, attacker = client_at(app, ATTACKER)
    waits = []
    for _ in range(7):
        response = attacker.login(password="wrong-password")
        waits.append(int(response.headers.get("Retry-After", 0)))
        clock.advance(waits[-1])
    assert waits == [0, 0, 0, 2, 4, 8, 10]
    clock.advance(app.config["LOGIN_FORGET_SECONDS"] + 1)
    response = attacker.login(password="wrong-password")
    assert response.status_code == 401 and "Retry-After" not in response.headers
