"""Every library the app imports is one it declares: `make run` installs no test extras, and neither does the image."""
import ast
import configparser
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN = ("appliance", "web", "provisioning")
#: Imported by name but installed by a declared library that requires it (its own API, used on purpose).
THROUGH = {"werkzeug": "flask", "markupsafe": "jinja2", "botocore": "boto3", "babel": "flask-babel"}


def _imports():
    for package in OWN:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    yield name.split(".")[0], path.relative_to(ROOT)


def _declared():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    names = set()
    for line in config["options"]["install_requires"].splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.add(_normal(re.split(r"[=<>!~\[; ]", line)[0]))
    return names


def _normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_library_the_app_imports_is_declared():
    declared, distributions = _declared(), packages_distributions()
    missing = {}
    for top, path in _imports():
        if top in sys.stdlib_module_names or top in OWN or top == "__future__":
            continue
        if top in THROUGH:
            assert _normal(THROUGH[top]) in declared, (top, THROUGH[top])
            continue
        if not {_normal(name) for name in distributions.get(top, [top])} & declared:
            missing.setdefault(top, str(path))
    assert missing == {}, f"imported by the app but not in setup.cfg's install_requires: {missing}"
