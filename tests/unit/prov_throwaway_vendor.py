"""A throwaway seventh vendor, registered only in the child pytest of the contract's seventh-vendor test.

Loaded with ``pytest -p tests.unit.prov_throwaway_vendor``: it registers a renamed Yealink with User-Agents of its
own, and sends golden files to ``$THROWAWAY_GOLDEN_DIR``. Never imported by the test suite itself, so no fake
vendor is ever registered in a normal run.
"""
import os
import re
from pathlib import Path

import tests.golden
from provisioning.base import Example
from provisioning.vendors import load_all, register
from provisioning.vendors.yealink import Yealink, yealink


class Throwaway(Yealink):
    """Yealink's files under another name, for models of its own identified by User-Agents of its own."""

    name = "throwaway"
    label = "Throwaway"
    user_agents = (
        (re.compile(r"^Throwaway (?P<model>TW46)/(?P<firmware>[\d.]+)(?: (?P<mac>[0-9a-f]{12}))?$"), "t4xs"),
        (re.compile(r"^Throwaway (?P<model>TW60)/(?P<firmware>[\d.]+)(?: (?P<mac>[0-9a-f]{12}))?$"), "w60b"),
    )
    examples = (
        Example("Throwaway TW46/1.2 805ec0000007", "TW46", "1.2", "805ec0000007", "t4xs"),
        Example("Throwaway TW60/3.4", "TW60", "3.4", None, "w60b"),
    )
    unsupported_examples = (("Throwaway T23G/1.2", "T23G"),)

    def family_of(self, model):
        """Return the Yealink family of one of the two models this vendor makes, or raise ValueError."""
        try:
            return {"TW46": "t4xs", "TW60": "w60b"}[model]
        except KeyError:
            raise ValueError(f"unsupported Throwaway model {model!r}") from None

    def environment(self, overrides=None):
        """Borrow Yealink's templates (a real vendor brings ``provisioning/templates/<name>/``)."""
        return yealink.environment(overrides)


load_all()
register(Throwaway())
tests.golden.GOLDEN_DIR = Path(os.environ["THROWAWAY_GOLDEN_DIR"])
