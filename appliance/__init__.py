"""Centralina's domain and engine: models, services and the Asterisk layer (never imports Flask)."""
