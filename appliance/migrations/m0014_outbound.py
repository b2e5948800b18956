"""Outbound routes, their patterns and trunks; call profiles, a default one every extension gets."""
import datetime

import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    """Create call_profiles (with the default profile), outbound routes; give extensions a profile and caller ID."""

    class Base(peewee.Model):
        class Meta:
            database = db

    class CallProfiles(Base):
        name = peewee.CharField(max_length=40, unique=True)
        classes = peewee.CharField(max_length=200, default="local,national,mobile")
        max_external_per_extension = peewee.IntegerField(default=2)
        max_external_total = peewee.IntegerField(default=0)
        international_minutes_per_day = peewee.IntegerField(default=30)
        is_default = peewee.BooleanField(default=False)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "call_profiles"

    class Trunks(Base):
        class Meta:
            table_name = "trunks"

    class OutboundRoutes(Base):
        name = peewee.CharField(max_length=40, unique=True)
        position = peewee.IntegerField(default=0, index=True)
        permission_class = peewee.CharField(max_length=16)
        callerid = peewee.CharField(max_length=20, default="")
        enabled = peewee.BooleanField(default=True)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "outbound_routes"

    class OutboundRoutePatterns(Base):
        route = peewee.ForeignKeyField(OutboundRoutes, on_delete="CASCADE")
        position = peewee.IntegerField(default=0)
        pattern = peewee.CharField(max_length=40)
        strip = peewee.IntegerField(default=0)
        prepend = peewee.CharField(max_length=20, default="")
        result = peewee.CharField(max_length=8, default="e164")

        class Meta:
            table_name = "outbound_route_patterns"

    class OutboundRouteTrunks(Base):
        route = peewee.ForeignKeyField(OutboundRoutes, on_delete="CASCADE")
        trunk = peewee.ForeignKeyField(Trunks, on_delete="RESTRICT")
        position = peewee.IntegerField(default=0)

        class Meta:
            table_name = "outbound_route_trunks"
            indexes = ((("route", "trunk"), True),)

    db.create_tables([CallProfiles, OutboundRoutes, OutboundRoutePatterns, OutboundRouteTrunks])
    default = CallProfiles.create(name="Padrão", is_default=True)
    migrate(
        migrator.add_column("extensions", "profile_id", peewee.ForeignKeyField(
            CallProfiles, null=True, field=CallProfiles.id, on_delete="RESTRICT")),
        migrator.add_column("extensions", "external_callerid", peewee.CharField(max_length=20, default="")),
    )

    class Extensions(Base):
        profile = peewee.IntegerField(column_name="profile_id", null=True)

        class Meta:
            table_name = "extensions"

    Extensions.update(profile=default.id).execute()
