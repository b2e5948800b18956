"""Registry of phone vendor modules: register one, find it by name, or identify a phone from its User-Agent."""
import importlib

#: Registered vendors by short name (``Vendor.name``).
VENDORS = {}

#: Vendor modules ``load_all`` imports when they exist; each registers its instance on import.
MODULES = ("yealink", "fanvil", "grandstream", "snom", "polycom", "cisco")


def register(vendor):
    """Add ``vendor`` (a ``Vendor`` instance) to the registry and return it."""
    VENDORS[vendor.name] = vendor
    return vendor


def by_name(name):
    """Return the registered vendor called ``name``, or None."""
    return VENDORS.get(name)


def identify(user_agent):
    """Return ``(vendor, Identity)`` for the first registered vendor that recognises ``user_agent``, or None."""
    for vendor in VENDORS.values():
        identity = vendor.identify(user_agent or "")
        if identity is not None:
            return vendor, identity
    return None


def load_all():
    """Import every vendor module that exists, so each registers itself; return the registry."""
    for module in MODULES:
        try:
            importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{module}":  # a module that exists but fails to import is a bug
                raise
    return VENDORS
