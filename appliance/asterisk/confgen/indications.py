"""Render indications.conf: the tones Asterisk plays itself (busy, congestion, ringing)."""
from .asterisk import HEADER

#: Tone zones (indications.conf.sample); Brazil is the default market.
ZONES = {
    "br": {
        "description": "Brazil",
        "ringcadence": "1000,4000",
        "dial": "425",
        "busy": "425/250,0/250",
        "ring": "425/1000,0/4000",
        "congestion": "425/250,0/250,425/750,0/250",
        "callwaiting": "425/50,0/1000",
        "record": "425/250,0/250",
    },
    "us": {
        "description": "United States / North America",
        "ringcadence": "2000,4000",
        "dial": "350+440",
        "busy": "480+620/500,0/500",
        "ring": "440+480/2000,0/4000",
        "congestion": "480+620/250,0/250",
        "callwaiting": "440/300,0/10000",
        "record": "1400/500,0/15000",
    },
}


def render_indications_conf(country="br"):
    """Return indications.conf with ``country`` as the default tone zone."""
    if country not in ZONES:
        raise ValueError(f"no tone zone for {country!r}")
    lines = [HEADER, "[general]", f"country = {country}"]
    for zone, tones in ZONES.items():
        lines += ["", f"[{zone}]", *(f"{key} = {value}" for key, value in tones.items())]
    return "\n".join(lines) + "\n"
