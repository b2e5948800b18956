"""Settings are layered: defaults, config files, environment, explicit overrides."""
from appliance import settings


def test_layers_apply_in_order(tmp_path):
    conf_dir = tmp_path / "etc"
    conf_dir.mkdir()
    (conf_dir / "00-shipped.cfg").write_text("SESSION_IDLE_MINUTES = 10\nTIMEZONE = 'UTC'\n")
    (conf_dir / "50-local.cfg").write_text("SESSION_IDLE_MINUTES = 20\n")
    env = {"CENTRALINA_TIMEZONE": "America/Manaus", "CENTRALINA_SESSION_MAX_HOURS": "4"}
    conf = settings.load(overrides={"VAR_DIR": str(tmp_path)}, environ=env, config_dir=conf_dir)
    assert conf["SESSION_IDLE_MINUTES"] == 20
    assert conf["TIMEZONE"] == "America/Manaus"
    assert conf["SESSION_MAX_HOURS"] == 4
    assert conf["DATABASE_URL"] == f"sqlite:///{tmp_path / 'centralina.db'}"


def test_secret_key_is_generated_once_and_private(tmp_path):
    first = settings.load(overrides={"VAR_DIR": str(tmp_path)}, environ={}, config_dir=tmp_path / "none")
    second = settings.load(overrides={"VAR_DIR": str(tmp_path)}, environ={}, config_dir=tmp_path / "none")
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_selects_postgresql(tmp_path):
    env = {"CENTRALINA_DATABASE_URL": "postgresql://pbx@localhost/pbx", "CENTRALINA_VAR_DIR": str(tmp_path)}
    conf = settings.load(environ=env, config_dir=tmp_path / "none")
    assert conf["DATABASE_URL"] == "postgresql://pbx@localhost/pbx"


def test_what_the_web_app_chose_sits_above_the_files_and_below_environment_and_overrides(tmp_path):
    (tmp_path / "10.cfg").write_text('TIMEZONE = "America/Manaus"\nCOUNTRY = "BR"\n')
    (tmp_path / settings.SITE_FILE).write_text(
        '{"TIMEZONE": "Europe/Lisbon", "COUNTRY": "PT", "DEFAULT_LOCALE": "pt_BR", "SIP_BIND": "0.0.0.0"}')
    conf = settings.load(overrides={"VAR_DIR": str(tmp_path)}, environ={"CENTRALINA_COUNTRY": "AO"},
                         config_dir=tmp_path)
    assert (conf["TIMEZONE"], conf["COUNTRY"]) == ("Europe/Lisbon", "AO")
    assert conf["SIP_BIND"] == settings.DEFAULTS["SIP_BIND"]  # only the site keys are taken from the file
    (tmp_path / settings.SITE_FILE).write_text("{not json")
    assert settings.load(overrides={"VAR_DIR": str(tmp_path)}, environ={}, config_dir=tmp_path)["TIMEZONE"] == (
        "America/Manaus")


def test_a_running_process_takes_a_new_site_file_once_and_keeps_what_the_environment_fixed(tmp_path):
    conf = {"VAR_DIR": str(tmp_path), "TIMEZONE": "America/Sao_Paulo", "COUNTRY": "BR", "DEFAULT_LOCALE": "pt_BR"}
    assert settings.refresh_site(conf, environ={}) is False  # no file yet: what the process started with
    site_file = tmp_path / settings.SITE_FILE
    site_file.write_text('{"TIMEZONE": "Europe/Lisbon", "COUNTRY": "PT", "DEFAULT_LOCALE": "en"}')
    assert settings.refresh_site(conf, environ={"CENTRALINA_COUNTRY": "AO"}) is True
    assert (conf["TIMEZONE"], conf["COUNTRY"], conf["DEFAULT_LOCALE"]) == ("Europe/Lisbon", "BR", "en")
    assert settings.refresh_site(conf, environ={}) is False  # unchanged file: one stat, nothing read
    replacement = tmp_path / "site.tmp"  # written as the service writes it: a new file renamed over the old
    replacement.write_text('{"TIMEZONE": "Asia/Tokyo", "COUNTRY": "JP", "DEFAULT_LOCALE": "en"}')
    replacement.replace(site_file)
    assert settings.refresh_site(conf, environ={}) is True and conf["TIMEZONE"] == "Asia/Tokyo"
