"""SIP trunks and their live status."""
import datetime

import peewee


def up(db, migrator):
    """Create trunks and trunk_status as of version 13."""

    class Trunks(peewee.Model):
        name = peewee.CharField(max_length=40, unique=True)
        kind = peewee.CharField(max_length=16, default="registration")
        enabled = peewee.BooleanField(default=True)
        host = peewee.CharField(max_length=253)
        port = peewee.IntegerField(default=5060)
        transport = peewee.CharField(max_length=8, default="udp")
        username = peewee.CharField(max_length=64, default="")
        password = peewee.CharField(max_length=128, default="")
        from_user = peewee.CharField(max_length=64, default="")
        from_domain = peewee.CharField(max_length=253, default="")
        expiry = peewee.IntegerField(default=600)
        retry_interval = peewee.IntegerField(default=60)
        match = peewee.CharField(max_length=500, default="")
        codecs = peewee.CharField(max_length=100, default="alaw,ulaw")
        dtmf_mode = peewee.CharField(max_length=8, default="rfc4733")
        max_channels = peewee.IntegerField(default=0)
        number_format = peewee.CharField(max_length=16, default="e164")
        callerid_format = peewee.CharField(max_length=16, default="e164")
        csp = peewee.CharField(max_length=2, default="")
        area_code = peewee.CharField(max_length=2, default="")
        default_callerid = peewee.CharField(max_length=20, default="")
        nat = peewee.BooleanField(default=True)
        qualify_seconds = peewee.IntegerField(default=60)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "trunks"

    class TrunkStatus(peewee.Model):
        trunk = peewee.ForeignKeyField(Trunks, primary_key=True, on_delete="CASCADE")
        registration = peewee.CharField(max_length=16, default="")
        reachability = peewee.CharField(max_length=16, default="")
        rtt_ms = peewee.FloatField(null=True)
        updated_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "trunk_status"

    db.create_tables([Trunks, TrunkStatus])
