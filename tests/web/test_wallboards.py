"""Wallboard links: created by an admin (shown once), refused without a queue, revoked; the TV page needs no login."""
import re

from appliance.models.callcenter import WallboardToken
from appliance.models.users import AuditEntry
from appliance.services import Actor, queues

SYSTEM = Actor.system("test")


def test_admin_creates_a_link_the_tv_opens_without_login_then_revokes_it(auth, client, app, engine_control):
    queue = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[]), SYSTEM)
    auth.login()
    token = auth.token("/callcenter/wallboards")
    refused = client.post("/callcenter/wallboards", data={"name": "Hall", "csrf_token": token})
    assert refused.status_code == 422 and "Choose at least one queue" in refused.get_data(as_text=True)
    assert WallboardToken.select().count() == 0
    page = client.post("/callcenter/wallboards", data={"name": "Hall", "queues": str(queue.id), "csrf_token": token})
    link = re.search(r'id="wallboard-link">([^<]+)<', page.get_data(as_text=True)).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    row = WallboardToken.get()
    assert path.split("/")[-1] not in row.token_hash  # only its hash is kept
    assert "wallboard-link" not in client.get("/callcenter/wallboards").get_data(as_text=True)  # shown once
    tv_client = app.test_client()  # a TV: no session
    tv = tv_client.get(f"/{path}")
    assert tv.status_code == 200 and 'id="queue-650"' not in tv.get_data(as_text=True)  # drawn by the script
    assert '"number":"650"' in tv.get_data(as_text=True).replace(" ", "")
    assert tv.headers["Referrer-Policy"] == "no-referrer"
    assert tv_client.get("/callcenter/tv/tv_guessed").status_code == 404
    client.post(f"/callcenter/wallboards/{row.id}/revoke", data={"csrf_token": auth.token("/callcenter/wallboards")})
    assert tv_client.get(f"/{path}").status_code == 404
    assert tv_client.get(f"/{path}/stream").status_code == 404
    assert {entry.action for entry in AuditEntry.select()} >= {"wallboard.create", "wallboard.revoke"}
