"""System → TLS certificate: details, a replacement from files or pasted PEM, errors next to their field in the
user's language, the private key never rendered, a new self-signed certificate; admins only."""
import io
from pathlib import Path

from appliance import tls_files
from tests.certificates import DAY, NOW, Chain, ec_key, key_pem, pem

PAGE = "/admin/tls-certificate"


def _post(client, auth, data, **files):
    body = {"csrf_token": auth.token(PAGE), "certificate": "", "chain": "", "private_key": "", **data}
    body.update({name: (io.BytesIO(content.encode()), f"{name}.pem") for name, content in files.items()})
    return client.post(PAGE, data=body, content_type="multipart/form-data")


def test_replace_from_files_then_see_its_details(client, auth, app):
    auth.login()
    assert "No certificate is installed" in client.get(PAGE).get_data(as_text=True)
    chain = Chain(not_after=NOW + 12 * DAY)
    done = _post(client, auth, {}, certificate_file=pem(chain.leaf), chain_file=pem(chain.intermediate),
                 private_key_file=chain.key)
    assert done.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Certificate installed" in page and "expires in 11 days" in page  # the warning, flashed
    assert "CN=pbx.example.com" in page and "DNS:pbx.example.com" in page and "CN=Test Intermediate" in page
    assert 'class="expires-soon"' in page  # under 30 days: the warning colour
    assert "PRIVATE KEY-----\n" not in page and chain.key.splitlines()[1] not in page
    assert tls_files.read_pair(Path(app.config["TLS_DIR"]))[0] == (pem(chain.leaf, chain.intermediate)).encode()


def test_errors_next_to_their_field_and_the_key_never_sent_back(client, auth, app):
    auth.login()
    chain = Chain()
    other_key = key_pem(ec_key())
    refused = _post(client, auth, {"certificate": pem(chain.leaf), "private_key": other_key})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="private_key-error"' in page and "does not belong to the certificate" in page
    assert other_key.splitlines()[1] not in page  # the pasted key is not rendered back
    assert not Path(app.config["TLS_DIR"]).exists()  # nothing written
    garbage = _post(client, auth, {"certificate": "hello", "private_key": chain.key}).get_data(as_text=True)
    assert 'id="certificate-error"' in garbage and chain.key.splitlines()[1] not in garbage


def test_errors_in_portuguese(client, auth, app):
    auth.login()
    client.post("/language", data={"language": "pt_BR", "csrf_token": auth.token(PAGE)})
    chain = Chain()
    page = _post(client, auth, {"certificate": pem(chain.leaf), "private_key": key_pem(ec_key())}).get_data(
        as_text=True)
    assert "não pertence ao certificado" in page


def test_a_new_self_signed_certificate(client, auth, app):
    auth.login()
    assert client.post(f"{PAGE}/self-signed", data={"csrf_token": auth.token(PAGE)}).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "self-signed certificate is installed" in page and "(self-signed)" in page and "EC secp256r1" in page


def test_admins_only(client, auth, app):
    from tests.conftest import PERSON_PASSWORD, make_person
    make_person("maria", "201")
    auth.login("maria", PERSON_PASSWORD)
    assert client.get(PAGE).status_code in (302, 403)
    assert client.post(f"{PAGE}/self-signed", data={}).status_code in (302, 400, 403)
    assert not Path(app.config["TLS_DIR"]).exists()
