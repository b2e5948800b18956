"""The daemon follows site settings saved in the web app without a restart (decision 041)."""
import json
import zoneinfo

from apscheduler.schedulers.background import BackgroundScheduler

from appliance import daemon, phone_numbers, settings
from appliance.services import queue_board


def test_a_new_time_zone_moves_the_daemons_calendar_job_and_queue_board(tmp_path):
    conf = {"VAR_DIR": str(tmp_path), "TIMEZONE": "America/Sao_Paulo", "COUNTRY": "BR", "DEFAULT_LOCALE": "pt_BR"}
    scheduler = BackgroundScheduler(timezone=conf["TIMEZONE"])
    scheduler.add_job(print, "cron", month=1, day="1-7", hour=3, id="schedule-calendar")
    board = queue_board.QueueBoard(str(tmp_path), conf["TIMEZONE"])
    seen = {"zone": conf["TIMEZONE"]}
    daemon._follow_site(conf, scheduler, board, seen)
    assert str(scheduler.get_job("schedule-calendar").trigger.timezone) == "America/Sao_Paulo"
    (tmp_path / settings.SITE_FILE).write_text(json.dumps({"TIMEZONE": "Asia/Tokyo", "COUNTRY": "JP",
                                                           "DEFAULT_LOCALE": "en"}))
    try:
        daemon._follow_site(conf, scheduler, board, seen)
        assert (conf["TIMEZONE"], conf["COUNTRY"], phone_numbers.region()) == ("Asia/Tokyo", "JP", "JP")
        assert str(scheduler.get_job("schedule-calendar").trigger.timezone) == "Asia/Tokyo"
        assert board.zone == zoneinfo.ZoneInfo("Asia/Tokyo") and seen == {"zone": "Asia/Tokyo"}
    finally:
        phone_numbers.set_region("BR")


def test_every_compile_reads_the_site_time_zone_in_force(tmp_path):
    from appliance.services import engine_sync
    conf = {"VAR_DIR": str(tmp_path), "TIMEZONE": "America/Sao_Paulo", "COUNTRY": "BR", "DEFAULT_LOCALE": "pt_BR",
            "ENGINE_ENABLED": False, "FEATURE_CODES": {}}
    engine_sync.configure_from_settings(conf)
    try:
        assert engine_sync.site_timezone() == "America/Sao_Paulo"
        # Another process saved a new zone: this one's next compile uses it, though nothing else asked yet.
        (tmp_path / settings.SITE_FILE).write_text(json.dumps({"TIMEZONE": "Asia/Tokyo"}))
        assert engine_sync.site_timezone() == "Asia/Tokyo"
    finally:
        engine_sync.configure(None)
        phone_numbers.set_region("BR")
    assert engine_sync.site_timezone() == "America/Sao_Paulo"  # no settings configured: the default
