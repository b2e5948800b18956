"""Peewee models, one module per area; services are the only writers."""
