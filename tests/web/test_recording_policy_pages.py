"""The recording fields on the holders' pages (decision 036): policy, retention days and the announcement prompt,
saved through the services; bad values answered next to their field, changing nothing."""
from appliance.models.ivr import Prompt
from appliance.models.profiles import CallProfile

PATH = "/telephony/profiles/new"


def _profile(auth, client, **fields):
    return client.post(PATH, data={"name": "Gravados", "max_external_per_extension": "0", "max_external_total": "0",
                                   "international_minutes_per_day": "0", "csrf_token": auth.token(PATH), **fields})


def test_a_profile_page_saves_its_recording_policy_retention_and_announcement(auth, client, app):
    prompt = Prompt.create(name="Esta chamada poderá ser gravada")
    auth.login()
    page = client.get(PATH).get_data(as_text=True)
    assert 'name="recording"' in page and "Esta chamada poderá ser gravada" in page
    saved = _profile(auth, client, recording="always", recording_keep_days="180", recording_prompt_id=str(prompt.id))
    assert saved.status_code == 302
    profile = CallProfile.get(CallProfile.name == "Gravados")
    assert (profile.recording, profile.recording_keep_days, profile.recording_prompt_id) == ("always", 180, prompt.id)


def test_bad_retention_or_prompt_is_refused_next_to_its_field(auth, client, app):
    auth.login()
    too_long = _profile(auth, client, recording="always", recording_keep_days="99999", recording_prompt_id="0")
    assert too_long.status_code == 422
    unknown = _profile(auth, client, recording="always", recording_keep_days="30", recording_prompt_id="4242")
    assert unknown.status_code == 422
    assert not CallProfile.select().where(CallProfile.name == "Gravados").exists()
