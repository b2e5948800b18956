"""Rates per trunk and destination prefix, CSV in and out, and the price of every outside call.

A call's price (decision 031): nothing when unanswered; else the connection fee plus the price per
minute times the billed seconds over 60, where the billed seconds are the minimum (30 in "30/6")
and then whole increments (6) of what went beyond it. Computed in Decimal from integer rates
(ten-thousandths of the currency unit), rounded half up to whole cents once, at the end.

Outside calls are the call records whose called channel is a trunk's (``PJSIP/trunk_<id>-…``);
the route that placed the call is the record's context (``cn-route-<id>-dial``), which gives the
permission class and the rewrite to E.164 that the trunk's rates are matched on (longest prefix).
The daemon prices new records a batch at a time after a cursor (committed with the costs), and
an admin re-prices a period after changing a table.
"""
import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from appliance import csvsafe, dial_patterns
from appliance.db import database
from appliance.errors import ImportRejected, NotFound, RowError, ValidationError
from appliance.i18n import N_
from appliance.models.call_history import CallRecord, IngestCursor
from appliance.models.outbound import OutboundRoute, RoutePattern
from appliance.models.rates import CallCost, Rate
from appliance.models.trunks import Trunk
from appliance.models.users import utcnow
from appliance.services import audit, cost_centers
from appliance.services.outbound_caps import USERFIELD

#: Rates are integers in ten-thousandths of the currency unit.
SCALE = 10_000
#: The columns of the CSV file, in order (the header row names them).
CSV_COLUMNS = ("prefix", "description", "price_per_minute", "connection_fee", "minimum_seconds",
               "increment_seconds")
MAX_ROWS = 20_000
#: Highest price per minute or fee accepted (currency units).
MAX_PRICE = Decimal("10000")
#: The pricing cursor's name (IngestCursor.source).
CURSOR = "pricing"
#: What pricing reads of a call record.
_PRICED_FIELDS = (CallRecord.id, CallRecord.calldate, CallRecord.src, CallRecord.dst, CallRecord.dcontext,
                  CallRecord.dstchannel, CallRecord.billsec, CallRecord.disposition, CallRecord.userfield)
_COST_FIELDS = ("record", "calldate", "trunk_id", "rate", "extension", "cost_center_id", "destination_class",
                "number", "billed_seconds", "cost_cents", "priced_at")
_COST_COLUMNS = ", ".join(f"{f}_id" if f in ("record", "rate") else f for f in _COST_FIELDS)


def _insert_cost_sql():
    """Return the INSERT of one call cost: column names from the constants above, values bound."""
    return f"INSERT INTO call_costs ({_COST_COLUMNS}) VALUES ({', '.join([database.param] * len(_COST_FIELDS))})"


def _bound(value):
    # As peewee's DateTimeField writes it ("YYYY-MM-DD HH:MM:SS[.ffffff]"), on SQLite and PostgreSQL alike.
    return str(value) if isinstance(value, datetime.datetime) else value
_TRUNK_CHANNEL = re.compile(r"PJSIP/trunk_([0-9]+)-")
_ROUTE_CONTEXT = re.compile(r"cn-route-([0-9]+)-dial")
_PREFIX = re.compile(r"\+?[0-9]{1,18}")


@dataclass(frozen=True)
class RateInput:
    """One rate as typed or read from CSV: money as text ("0,085" or "0.085"), seconds as text or int."""

    prefix: str
    price_per_minute: str
    description: str = ""
    connection_fee: str = "0"
    minimum_seconds: str = "30"
    increment_seconds: str = "6"


def parse_money(text):
    """Return ``text`` ("0,085", "0.085", "R$ 1,50") as ten-thousandths (int), or None when it is not money."""
    cleaned = (text or "").strip().replace("R$", "").replace(" ", "")
    if "," in cleaned:  # Brazilian decimal comma; a dot before it groups thousands
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > MAX_PRICE or value != value.quantize(Decimal("0.0001")):
        return None
    return int(value * SCALE)


def format_money(units, places=4):
    """Return ten-thousandths ``units`` as a decimal string with ``places`` decimals ("0.0850")."""
    return str((Decimal(units) / SCALE).quantize(Decimal(1).scaleb(-places)))


def clean_prefix(text):
    """Return a destination prefix as stored (E.164 digits after +), or None."""
    text = (text or "").strip().replace(" ", "").replace("-", "")
    if not _PREFIX.fullmatch(text):
        return None
    return text if text.startswith("+") else "+" + text


def _validate(data):
    """Return (values, errors) for one RateInput."""
    errors, values = {}, {"description": (data.description or "").strip()}
    prefix = clean_prefix(data.prefix)
    if prefix is None:
        errors["prefix"] = (N_("Enter the start of the numbers in E.164, e.g. +5511 or +55119."), {})
    values["prefix"] = prefix
    if len(values["description"]) > 64:
        errors["description"] = (N_("Use at most %(max)d characters."), {"max": 64})
    for field in ("price_per_minute", "connection_fee"):
        value = parse_money(getattr(data, field))
        if value is None:
            errors[field] = (N_("Enter an amount such as 0,12 (up to 4 decimals)."), {})
        values[field] = value
    for field, low, high in (("minimum_seconds", 0, 3600), ("increment_seconds", 1, 3600)):
        try:
            value = int(str(getattr(data, field)).strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            errors[field] = (N_("Enter whole seconds from %(low)d to %(high)d."), {"low": low, "high": high})
        values[field] = value
    return values, errors


def list_rates(trunk_id):
    """Return a trunk's rates by prefix."""
    return Rate.select().where(Rate.trunk == trunk_id).order_by(Rate.prefix)


def import_csv(trunk_id, data, actor):
    """Replace trunk ``trunk_id``'s rates with those of a CSV file; all rows or none (ImportRejected lists why).

    The separator may be "," or ";" (spreadsheets in Brazil write ";" and decimal commas).
    """
    trunk = Trunk.get_or_none(Trunk.id == trunk_id)
    if trunk is None:
        raise ImportRejected.file(N_("Trunk not found."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected.file(N_("The file is not UTF-8 text.")) from None
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [column.strip().lower() for column in next(reader, [])]
    if "prefix" not in header or "price_per_minute" not in header:
        raise ImportRejected([RowError(1, "file", N_("The first row must name the columns: %(columns)s."),
                                       {"columns": ", ".join(CSV_COLUMNS)})])
    at = {column: header.index(column) for column in CSV_COLUMNS if column in header}
    errors, rows, seen = [], [], {}
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRejected([RowError(row_number, "file", N_("A file holds at most %(max)d rates."),
                                           {"max": MAX_ROWS})])
        given = {column: csvsafe.restore(cells[index]) if index < len(cells) else "" for column, index in at.items()}
        defaults = {"connection_fee": "0", "minimum_seconds": "30", "increment_seconds": "6"}
        values, fields = _validate(RateInput(**{**defaults, **{k: v for k, v in given.items() if v.strip()}}))
        if values["prefix"] in seen:
            fields.setdefault("prefix", (N_("This prefix is also on row %(row)d."), {"row": seen[values["prefix"]]}))
        seen.setdefault(values["prefix"], row_number)
        errors += [RowError(row_number, field, message, params) for field, (message, params) in fields.items()]
        rows.append(values)
    if errors:
        raise ImportRejected(errors)
    return _replace(trunk, rows, actor, "rates.import")


def get_trunk(trunk_id):
    """Return trunk ``trunk_id``; raise NotFound."""
    trunk = Trunk.get_or_none(Trunk.id == trunk_id)
    if trunk is None:
        raise NotFound(N_("Trunk not found."))
    return trunk


def replace_rates(trunk_id, inputs, actor):
    """Replace a trunk's rates with ``inputs`` (RateInput); ValidationError names ``items.<n>.<field>``."""
    trunk = get_trunk(trunk_id)
    errors, rows, seen = {}, [], set()
    for index, data in enumerate(inputs):
        values, fields = _validate(data)
        if values["prefix"] in seen:
            fields.setdefault("prefix", (N_("This prefix is listed twice."), {}))
        seen.add(values["prefix"])
        errors.update({f"items.{index}.{field}": reason for field, reason in fields.items()})
        rows.append(values)
    if errors:
        raise ValidationError(errors)
    return _replace(trunk, rows, actor, "rates.replace")


def _replace(trunk, rows, actor, action):
    with database.atomic():
        before = Rate.select().where(Rate.trunk == trunk).count()
        Rate.delete().where(Rate.trunk == trunk).execute()
        for start in range(0, len(rows), 500):
            Rate.insert_many([{**row, "trunk": trunk.id} for row in rows[start:start + 500]]).execute()
        audit.record(actor, action, "trunk", trunk.id, trunk.name, before={"rates": before},
                     after={"rates": len(rows)})
    return len(rows)


def export_csv(trunk_id):
    """Return trunk ``trunk_id``'s rates as CSV text in the format ``import_csv`` reads."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(CSV_COLUMNS)
    for rate in list_rates(trunk_id):
        writer.writerow((rate.prefix, rate.description, format_money(rate.price_per_minute),
                         format_money(rate.connection_fee), rate.minimum_seconds, rate.increment_seconds))
    return out.getvalue()


def billed_seconds(billsec, minimum, increment):
    """Return the seconds billed for ``billsec`` talked: 0, or the minimum then whole increments beyond it."""
    if billsec <= 0:
        return 0
    if billsec <= minimum:
        return minimum
    return minimum + -(-(billsec - minimum) // increment) * increment


def price(rate, billsec):
    """Return (billed seconds, cost in cents) of a call of ``billsec`` answered seconds at ``rate``."""
    billed = billed_seconds(billsec, rate.minimum_seconds, rate.increment_seconds)
    if billed == 0:
        return 0, 0
    amount = (Decimal(rate.connection_fee) + Decimal(rate.price_per_minute) * billed / 60) / SCALE
    return billed, int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class _Catalog:
    """Routes and rates read once per batch: the context → (class, patterns); trunk → rates, longest prefix first."""

    def __init__(self):
        self.routes = {route.id: (route.permission_class, []) for route in OutboundRoute.select()}
        for pattern in RoutePattern.select().order_by(RoutePattern.position):
            if pattern.route_id in self.routes:  # compiled once per batch, not per record
                self.routes[pattern.route_id][1].append((dial_patterns.regex(pattern.pattern), pattern))
        self.rates = {}
        for rate in Rate.select():
            self.rates.setdefault(rate.trunk_id, {})[rate.prefix] = rate
        self.longest = max((len(prefix) for table in self.rates.values() for prefix in table), default=0)
        self.center_of_extension, self.center_of_trunk = cost_centers.attribution()

    def number(self, route_id, dialled):
        """Return (class, the number as the route sent it, E.164 when its pattern gives one)."""
        permission_class, patterns = self.routes.get(route_id, ("", []))
        for regex, pattern in patterns:
            if regex.fullmatch(dialled):
                return permission_class, dial_patterns.rewrite(dialled, pattern.strip, pattern.prepend)
        return permission_class, dialled

    def rate(self, trunk_id, number):
        """Return the trunk's rate with the longest prefix of ``number`` (one dict lookup per length)."""
        table = self.rates.get(trunk_id)
        if not table:
            return None
        for length in range(min(len(number), self.longest), 0, -1):
            rate = table.get(number[:length])
            if rate is not None:
                return rate
        return None


def cost_of(record, catalog):
    """Return the CallCost values of an outside call record, or None when it is not one."""
    trunk = _TRUNK_CHANNEL.match(record.dstchannel or "")
    if trunk is None:
        return None
    route = _ROUTE_CONTEXT.fullmatch(record.dcontext or "")
    permission_class, number = catalog.number(int(route.group(1)), record.dst) if route else ("", record.dst)
    marked = USERFIELD.fullmatch(record.userfield or "")  # out:<extension>:<class> (international calls)
    extension = marked.group(1) if marked else record.src[:20]
    rate = catalog.rate(int(trunk.group(1)), number)
    billed, cents = price(rate, record.billsec if record.disposition == "ANSWERED" else 0) if rate else (0, 0)
    return {"record": record.id, "calldate": record.calldate, "trunk_id": int(trunk.group(1)),
            "rate": rate.id if rate else None, "extension": extension,
            "cost_center_id": catalog.center_of_extension.get(extension) or catalog.center_of_trunk.get(
                int(trunk.group(1)), 0),
            "destination_class": permission_class, "number": number[:40], "billed_seconds": billed,
            "cost_cents": cents, "priced_at": utcnow()}


def price_new(batch=2000):
    """Price the call records stored since the last call (outside calls only); return how many were read."""
    total = 0
    while True:
        cursor = IngestCursor.get_or_none(IngestCursor.source == CURSOR)
        position = cursor.position if cursor else 0
        records = list(CallRecord.select(*_PRICED_FIELDS).where(CallRecord.id > position).order_by(CallRecord.id)
                       .limit(batch).namedtuples())
        if not records:
            return total
        # Costs, their roll-ups and the cursor in one transaction: a kill repeats the batch or none of it.
        with database.atomic():
            costs = _store_costs(records, _Catalog(), replace=False)
            cost_centers.add_to_rollups(costs)
            IngestCursor.insert(source=CURSOR, position=records[-1].id, marker="", updated_at=utcnow()).on_conflict(
                conflict_target=[IngestCursor.source], preserve=[IngestCursor.position, IngestCursor.updated_at],
            ).execute()
        total += len(records)
        if len(records) < batch:
            return total


def _store_costs(records, catalog, replace):
    """Write the costs of ``records``' outside calls; return the rows written (new ones only unless ``replace``)."""
    costs = [cost for cost in (cost_of(record, catalog) for record in records) if cost is not None]
    if costs and not replace:  # a record priced already (re-pricing ran first) keeps its cost and roll-up
        known = {row.record_id for row in CallCost.select(CallCost.record).where(
            CallCost.record.in_([cost["record"] for cost in costs]))}
        costs = [cost for cost in costs if cost["record"] not in known]
    with database.atomic():
        if replace:
            for start in range(0, len(costs), 500):
                CallCost.insert_many(costs[start:start + 500]).on_conflict(conflict_target=[CallCost.record], preserve=[
                    CallCost.rate, CallCost.billed_seconds, CallCost.cost_cents, CallCost.number,
                    CallCost.cost_center_id, CallCost.destination_class, CallCost.priced_at]).execute()
        elif costs:
            # One prepared statement for the batch: peewee building an INSERT per 500 rows cost more than pricing.
            database.cursor().executemany(_insert_cost_sql(),
                                          [tuple(_bound(cost[f]) for f in _COST_FIELDS) for cost in costs])
    return costs


def reprice(since, until, actor, batch=2000):
    """Price again every outside call from ``since`` to ``until`` (naive UTC) with today's rates; return how many."""
    catalog, total, after = _Catalog(), 0, 0
    while True:
        records = list(CallRecord.select(*_PRICED_FIELDS).where(
            (CallRecord.calldate >= since) & (CallRecord.calldate < until) & (CallRecord.id > after)
            & CallRecord.dstchannel.startswith("PJSIP/trunk_")).order_by(CallRecord.id).limit(batch).namedtuples())
        if not records:
            break
        total += len(_store_costs(records, catalog, replace=True))
        after = records[-1].id
    with database.atomic():
        cost_centers.rebuild_rollups(since, until)
        audit.record(actor, "rates.reprice", "call_costs", "", "", after={"since": since, "until": until,
                                                                         "calls": total})
    return total


def month_bounds(year, month):
    """Return the naive UTC instants [start, end) of a calendar month."""
    start = datetime.datetime(year, month, 1)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1)
    return start, end

