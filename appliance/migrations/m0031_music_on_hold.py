"""Music-on-hold classes and their uploaded sounds (issue 14: queues' music)."""
import datetime

import peewee


def up(db, migrator):
    """Create moh_classes and moh_files."""

    class MohClass(peewee.Model):
        name = peewee.CharField(max_length=64, unique=True)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "moh_classes"

    class MohFile(peewee.Model):
        moh_class = peewee.ForeignKeyField(MohClass, on_delete="CASCADE")
        name = peewee.CharField(max_length=64)
        duration = peewee.FloatField(default=0.0)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "moh_files"

    db.create_tables([MohClass, MohFile])
