"""The fast list dump (web/api/dumping.py) writes exactly what marshmallow writes, or steps aside."""
import datetime

from marshmallow import Schema, fields, pre_dump

from appliance.models.call_history import CallRecord
from appliance.models.extensions import Device, Extension
from appliance.models.users import User
from appliance.services import Actor, extensions, users
from web.api.calls import CallRecordSchema
from web.api.common import UtcDateTime
from web.api.dumping import flat_dumper, plain_model_query, selection
from web.api.extensions import DeviceSchema, ExtensionSchema
from web.api.phones import PhoneSchema
from web.api.users import UserSchema

SYSTEM = Actor.system("test")


def _record(n, answered, micro=0):
    when = datetime.datetime(2026, 3, 1, 12, 0, n, micro)
    return CallRecord.create(calldate=when, answer=when if answered else None, end=when, src="201", dst=f"+5511{n:08d}",
                             dcontext="internal", clid='"Ana" <201>', channel="PJSIP/a", dstchannel="", lastapp="Dial",
                             lastdata="", duration=n, billsec=n if answered else 0,
                             disposition="ANSWERED" if answered else "NO ANSWER", accountcode="", uniqueid=f"1.{n}",
                             linkedid=f"1.{n}", sequence=n, userfield="")


def _same(schema, model):
    fast = flat_dumper(schema, model)
    assert fast is not None, f"{schema.__name__} should take the fast path"
    columns, dump = fast
    rows = list(model.select().order_by(model.id))
    assert rows, "seed rows first"
    expected = schema(many=True).dump(rows)
    tuples = list(model.select(*columns).order_by(model.id).tuples())
    assert dump(tuples) == expected
    # What the pages read: the cursor's own rows (stored text, 0/1), through the one-node select list.
    stored = model._meta.database.execute(model.select(selection(columns, model.id)).order_by(model.id)).fetchall()
    assert [row[-1] for row in stored] == [row.id for row in rows]
    assert dump(stored) == expected


def test_lists_of_plain_schemas_dump_as_marshmallow_does(database):
    user = users.create(users.UserInput("ana", "Correct-Horse-42", "Ana Souza", role="admin"), SYSTEM)
    extension, _ = extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    extensions.create(extensions.ExtensionInput("202", "Bia"), SYSTEM)
    Extension.update(user=user.id).where(Extension.id == extension.id).execute()  # one with an owner, one without
    _record(1, answered=True)
    _record(2, answered=False)  # a None time
    _record(3, answered=True, micro=250)  # stored with its fraction of a second
    for schema, model in ((ExtensionSchema, Extension), (DeviceSchema, Device), (UserSchema, User),
                          (CallRecordSchema, CallRecord)):
        _same(schema, model)


def test_schemas_with_hooks_or_computed_fields_step_aside():
    class WithHook(Schema):
        id = fields.Integer()

        @pre_dump
        def _shape(self, row, **kwargs):
            return row

    class Computed(Schema):
        id = fields.Integer()
        label = fields.Method("_label")

        def _label(self, row):
            return f"#{row.id}"

    class Elsewhere(Schema):
        nowhere = fields.String()  # no column of that name

    assert flat_dumper(PhoneSchema, Device) is None  # PhoneSchema shapes rows in a hook
    for schema in (WithHook, Computed, Elsewhere):
        assert flat_dumper(schema, Extension) is None


def test_utc_times_carry_their_offset():
    class Stamp(Schema):
        created_at = UtcDateTime()

    _, dump = flat_dumper(Stamp, Extension)
    assert dump([(datetime.datetime(2026, 1, 2, 3, 4, 5),), (None,)]) == [
        {"created_at": "2026-01-02T03:04:05+00:00"}, {"created_at": None}]


def test_stored_times_of_any_shape_dump_as_peewee_then_marshmallow_would():
    class Stamp(Schema):
        created_at = UtcDateTime()
        plain = fields.DateTime(attribute="created_at", dump_only=True)

    _, dump = flat_dumper(Stamp, Extension)
    stored = ["2026-01-02 03:04:05", "2026-01-02 03:04:05.000250", "2026-01-02 03:04:05.000000",
              "2026-01-02 03:04:05.250", "2026-01-02 03:04:05+02:00", "2026-01-02T03:04:05", "2026-01-02", None]
    model_field = Extension.created_at
    expected = Stamp(many=True).dump([{"created_at": model_field.python_value(text)} for text in stored])
    assert dump([(text, text) for text in stored]) == expected
    assert expected[1] == {"created_at": "2026-01-02T03:04:05.000250+00:00", "plain": "2026-01-02T03:04:05.000250"}
    assert expected[2]["created_at"] == "2026-01-02T03:04:05+00:00"  # a zero fraction is left out
    assert expected[4]["created_at"] == "2026-01-02T03:04:05+02:00"  # an offset is kept


def test_only_whole_rows_of_one_model_take_the_fast_path():
    assert plain_model_query(Extension.select().where(Extension.number == "201")) is Extension
    assert plain_model_query(Extension.select(Extension.id)) is None
    assert plain_model_query(Extension.select().join(Device, on=(Device.extension == Extension.id))) is None


def test_answers_are_written_as_the_json_module_wrote_them_less_its_spaces():
    import dataclasses
    import decimal
    import json

    from web.api.common import json_response

    @dataclasses.dataclass
    class Point:
        x: int

    data = {"name": "Conceição ✓", "when": datetime.datetime(2026, 1, 2, 3, 4, 5), "price": decimal.Decimal("1.50"),
            "point": Point(1), 7: "seven", None: [1, 2.5, True], "nested": {"empty": []}}
    response = json_response(data)
    expected = json.dumps(data, ensure_ascii=False, default=str)
    assert response.mimetype == "application/json"
    assert json.loads(response.get_data()) == json.loads(expected)
    assert "Conceição ✓".encode() in response.get_data()  # UTF-8, not \u escapes
    assert json.loads(response.get_data())["when"] == "2026-01-02 03:04:05"  # through str, as before
    huge = {"n": 2 ** 70}  # past orjson's 64 bits: the json module writes it
    assert json.loads(json_response(huge).get_data()) == huge
    assert json_response(None, status=204).get_data() == b""
