"""The Blocked page: what the daemon blocked, why and until when; unblocking is an audited admin action."""
from appliance.models.bans import Ban
from appliance.models.users import AuditEntry
from appliance.services import Actor, bans
from tests.conftest import make_person

DAEMON = Actor.system("daemon")


def _block(address, username="", reason="password", usernames=()):
    return bans.block(bans.BanInput(address, username, "sip", reason, 3600, failures=12,
                                    usernames=usernames or ((username,) if username else ())), DAEMON)


def test_the_admin_sees_each_block_with_its_reason_user_names_and_times(client, auth):
    scanner = _block("198.51.100.7", reason="scan", usernames=("100", "101", "admin"))
    _block("203.0.113.9", "201")
    auth.login()

    page = client.get("/admin/bans").get_data(as_text=True)

    assert "198.51.100.7" in page and "Tried many user names" in page and "100,101,admin" in page
    assert "203.0.113.9" in page and "201" in page and "Wrong passwords for one user name" in page
    assert "Refused by the PBX for this user name" in page
    # Until the daemon has put the address in the kernel's set, the page says it is not enforced.
    assert "Not enforced" in page
    bans.mark_enforced([scanner.id], True)
    assert "Not enforced" not in client.get("/admin/bans").get_data(as_text=True)


def test_the_blocked_page_is_in_the_admin_menu(client, auth):
    auth.login()

    assert 'href="/admin/bans"' in client.get("/admin/audit").get_data(as_text=True)


def test_unblocking_deletes_the_block_and_writes_the_audit_log(client, auth):
    ban = _block("198.51.100.7", reason="flood")
    auth.login()

    response = client.post(f"/admin/bans/{ban.id}/lift", data={"csrf_token": auth.token("/admin/bans")},
                           follow_redirects=True)

    assert response.status_code == 200 and "198.51.100.7 is no longer blocked" in response.get_data(as_text=True)
    assert not Ban.select().exists()
    entry = AuditEntry.get(AuditEntry.action == "ban.lift")
    assert (entry.actor_name, entry.target_name) == ("admin", "198.51.100.7")


def test_unblocking_needs_the_form_token(client, auth):
    ban = _block("198.51.100.7", reason="flood")
    auth.login()

    assert client.post(f"/admin/bans/{ban.id}/lift").status_code == 400
    assert Ban.select().count() == 1


def test_unblocking_twice_says_it_is_gone(client, auth):
    ban = _block("198.51.100.7")
    auth.login()
    token = auth.token("/admin/bans")
    client.post(f"/admin/bans/{ban.id}/lift", data={"csrf_token": token})

    again = client.post(f"/admin/bans/{ban.id}/lift", data={"csrf_token": token}, follow_redirects=True)

    assert "This block no longer exists." in again.get_data(as_text=True)


def test_only_admins_see_or_lift_blocks(app, client, auth):
    ban = _block("198.51.100.7")
    make_person("bruno", "202")
    auth.login("bruno", "Blue-Lantern-Pass-77")

    assert client.get("/admin/bans").status_code == 403
    assert client.post(f"/admin/bans/{ban.id}/lift", data={"csrf_token": auth.token()}).status_code == 403
    assert Ban.select().count() == 1


def test_blocking_again_extends_the_block_and_every_block_is_audited(app):
    first = _block("198.51.100.7", "201")
    again = _block("198.51.100.7", "201")

    assert again.id == first.id and again.expires_at >= first.expires_at
    assert AuditEntry.select().where(AuditEntry.action == "ban.add").count() == 2
