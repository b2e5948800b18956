"""The Webhooks pages: the secret shown once, clear errors, test event and redeliver buttons, admins only."""
from appliance.models.webhooks import WebhookDelivery, WebhookEndpoint
from tests.conftest import make_person

PATH = "/admin/webhooks"


def _create(client, auth, **fields):
    data = {"name": "crm", "url": "https://crm.example.com/hooks", "event_types": ["call.ringing", "call.hungup"],
            "enabled": "y", "csrf_token": auth.token(PATH)}
    data.update(fields)
    return client.post(PATH, data=data)


def test_admin_creates_a_webhook_and_sees_its_secret_once(auth, client):
    auth.login()
    page = _create(client, auth)
    assert page.status_code == 200
    endpoint = WebhookEndpoint.get()
    html = page.get_data(as_text=True)
    assert endpoint.secret in html and endpoint.type_list() == ["call.hungup", "call.ringing"]
    assert endpoint.secret not in client.get(PATH).get_data(as_text=True)
    assert endpoint.secret not in client.get(f"{PATH}/{endpoint.id}").get_data(as_text=True)


def test_a_bad_url_is_refused_next_to_the_field_and_nothing_is_saved(auth, client):
    auth.login()
    page = _create(client, auth, url="http://169.254.169.254/latest/meta-data")
    assert page.status_code == 422 and "169.254.169.254" in page.get_data(as_text=True)
    page = _create(client, auth, url="http://127.0.0.1:9/x")  # private addresses are off by default
    assert page.status_code == 422
    assert WebhookEndpoint.select().count() == 0


def test_test_event_and_redeliver_buttons_queue_deliveries(auth, client):
    auth.login()
    _create(client, auth)
    endpoint = WebhookEndpoint.get()
    edit = f"{PATH}/{endpoint.id}"
    assert client.post(f"{edit}/test", data={"csrf_token": auth.token(edit)}).status_code == 302
    delivery = WebhookDelivery.get()
    assert delivery.type == "webhook.test" and delivery.status == "pending"
    WebhookDelivery.update(status="failed").execute()
    assert client.post(f"{edit}/deliveries/{delivery.id}/redeliver",
                       data={"csrf_token": auth.token(edit)}).status_code == 302
    assert WebhookDelivery.get_by_id(delivery.id).status == "pending"
    assert "webhook.test" in client.get(edit).get_data(as_text=True)


def test_people_cannot_open_the_pages(auth, client):
    make_person("ana", "201")
    auth.login("ana", "Blue-Lantern-Pass-77")
    assert client.get(PATH).status_code in (403, 404)
