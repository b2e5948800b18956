"""The TLS certificate through the API: read, replace (422 naming the field, nothing changed), self-signed; the
private key never in an answer; scopes."""
from pathlib import Path

from appliance import tls_files
from appliance.models.users import AuditEntry
from tests.api.conftest import bearer, service_token
from tests.certificates import Chain, ec_key, key_pem, pem

URL = "/api/v1/system/tls-certificate"


def test_read_replace_and_regenerate_through_the_api(client, app):
    headers = bearer(service_token(("tls:read", "tls:write"))[1], **{"Accept-Language": "en"})
    assert client.get(URL, headers=headers).status_code == 404  # nothing installed yet
    made = client.post(f"{URL}/self-signed", headers=headers)
    assert made.status_code == 200 and made.json["self_signed"] and made.json["key_type"] == "EC secp256r1"
    assert client.get(URL, headers=headers).json["fingerprint_sha256"] == made.json["fingerprint_sha256"]
    folder = Path(app.config["TLS_DIR"])
    before = tls_files.read_pair(folder)

    chain = Chain()
    wrong = client.put(URL, json={"certificate": pem(chain.leaf), "private_key": key_pem(ec_key())}, headers=headers)
    assert wrong.status_code == 422 and list(wrong.json["errors"]) == ["private_key"]
    assert "does not belong" in wrong.json["errors"]["private_key"]
    disorder = client.put(URL, json={"certificate": pem(chain.leaf), "chain": pem(chain.root, chain.intermediate),
                                     "private_key": chain.key}, headers=headers)
    assert disorder.status_code == 422 and list(disorder.json["errors"]) == ["chain"]
    assert tls_files.read_pair(folder) == before  # nothing changed

    done = client.put(URL, json={"certificate": pem(chain.leaf), "chain": pem(chain.intermediate),
                                 "private_key": chain.key}, headers=headers)
    assert done.status_code == 200, done.json
    assert done.json["subject"] == "CN=pbx.example.com" and done.json["chain_length"] == 1
    assert not done.json["self_signed"] and done.json["sans"] == ["DNS:pbx.example.com"]
    assert "private_key" not in done.json and "PRIVATE" not in done.get_data(as_text=True)
    assert done.json["not_after"].endswith("+00:00") and done.json["reload_failure"] == ""
    assert (folder / "cert.pem.previous").read_bytes() == before[0]
    assert all("PRIVATE" not in entry.after + entry.before for entry in AuditEntry.select())


def test_refused_in_the_callers_language(client, app):
    headers = bearer(service_token(("tls:write",))[1], **{"Accept-Language": "pt-BR"})
    answer = client.put(URL, json={"certificate": "not a certificate", "private_key": "x"}, headers=headers)
    assert answer.status_code == 422 and "PEM" in answer.json["errors"]["certificate"]
    assert "certificado" in answer.json["errors"]["certificate"]


def test_scopes(client, app):
    reader = bearer(service_token(("tls:read",), name="reader")[1])
    assert client.post(f"{URL}/self-signed", headers=reader).status_code == 403
    assert client.put(URL, json={"certificate": "x", "private_key": "y"}, headers=reader).status_code == 403
    other = bearer(service_token(("users:read",), name="other")[1])
    assert client.get(URL, headers=other).status_code == 403
