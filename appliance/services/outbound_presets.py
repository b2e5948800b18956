"""The Brazilian dialling preset: the routes people in Brazil expect, from notes/routing-br.md 1.2.

No exit digit (a 0 exit digit would make 0 0 15 … look like international 00 15 …): numbers are
dialled as on a landline, and E.164 (+55…, as the phonebook stores them) works too. Routes come in
this order, the broad international ``+Z.`` last, so every +55 form is taken by its own class first.
"""
from appliance import phone_numbers
from appliance.db import database
from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.services.outbound_routes import PatternInput, RouteInput, save_route


def brazilian_routes(area_code, trunk_ids):
    """Return the RouteInputs of the preset for a site in ``area_code`` using ``trunk_ids`` in order."""
    home = f"+55{area_code}"

    def p(pattern, strip=0, prepend="", result="e164"):
        return PatternInput(pattern, strip, prepend, result)

    trunks = list(trunk_ids)
    return [
        RouteInput("Local", "local", [
            p("[2-5]XXXXXXX", 0, home),
            # Shared-cost numbers have no area code; more specific than the local fixed pattern, so they win.
            p("400XXXXX", 0, "+55"), p("4020XXXX", 0, "+55"),
        ], trunks),
        RouteInput("Celular local", "mobile", [p("9XXXXXXXX", 0, home)], trunks),
        RouteInput("Nacional", "national", [
            p("0ZXZZ[2-5]XXXXXXX", 3, "+55"), p("0ZXZZ9XXXXXXXX", 3, "+55"),
            p("0ZZ[2-5]XXXXXXX", 1, "+55"), p("0ZZ9XXXXXXXX", 1, "+55"),
            p("0800XXXXXX!", 1, "+55"), p("030[03]XXXXXXX", 1, "+55"),
            p("+55ZZ[2-5]XXXXXXX"), p("+55ZZ9XXXXXXXX"), p("+55800XXXXXX!"), p("+5530[03]XXXXXXX"),
            p("+554XXXXXXX"),
        ], trunks),
        RouteInput("Tarifação especial", "premium", [
            p("0900XXXXXX!", 1, "+55"), p("0500XXXXXX!", 1, "+55"), p("+55[59]00XXXXXX!"),
        ], trunks),
        RouteInput("A cobrar", "collect", [
            p("9090[2-5]XXXXXXX", result="asis"), p("90909XXXXXXXX", result="asis"),
            p("90ZXZZ[2-5]XXXXXXX", result="asis"), p("90ZXZZ9XXXXXXXX", result="asis"),
        ], trunks),
        RouteInput("Internacional", "international", [p("00ZXZ.", 4, "+"), p("+Z.")], trunks),
    ]


def apply_brazilian_preset(area_code, trunk_ids, actor):
    """Create the preset's routes (after the existing ones); all or nothing. Return them."""
    area_code = (area_code or "").strip()
    if not phone_numbers.valid_area_code(area_code):
        raise ValidationError.one("area_code", N_("Enter a Brazilian area code (DDD), e.g. 11."))
    with database.atomic():
        return [save_route(route, actor) for route in brazilian_routes(area_code, trunk_ids)]
