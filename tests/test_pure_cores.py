"""The pure cores stay pure (docs/architecture.md: arrows point inwards; issue 15's guards).

Each core is imported, with everything under it, in a fresh Python interpreter;
the test fails if Django (or any of Atiende's Django apps) got loaded along the
way. A new module in a core that imports a model, a setting or a Django helper,
even indirectly, is caught here. mypy checks the same cores in strict mode
(tests/test_typing_strict.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each pure core: plain Python, no Django, no database. The Django apps wrap them.
PURE_CORES = [
    "atiende.practices",
    "atiende.engine",
    "atiende.language",
    "atiende.quality",
    "atiende.staffing",
    "atiende.training",
    "atiende.mail.core",
    "atiende.sla.core",
    "atiende.reports.core",
    "atiende.search",
    "atiende.telephony.numbers",
    "atiende.walkin.core",
    "atiende.chat.core",
    "atiende.campaigns.core",
]
# Packages a pure core never loads: Django itself and Atiende's Django layer.
FORBIDDEN = ("django", "ninja", "channels", "atiende.settings", "atiende.db", "atiende.errors")

PROBE = """
import importlib, json, pkgutil, sys
root = importlib.import_module(sys.argv[1])
names = [root.__name__]
if hasattr(root, "__path__"):
    names += [m.name for m in pkgutil.walk_packages(root.__path__, root.__name__ + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""


def _apps() -> tuple[str, ...]:
    """Atiende's Django apps (a package with apps.py): none may be loaded by a core."""
    return tuple("atiende." + p.parent.name for p in (ROOT / "atiende").glob("*/apps.py"))


@pytest.mark.parametrize("core", PURE_CORES)
def test_a_pure_core_loads_no_django(core: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, core], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    forbidden = FORBIDDEN + tuple(app for app in _apps() if not core.startswith(app))
    loaded = [m for m in report["loaded"] if any(m == f or m.startswith(f + ".") for f in forbidden)]
    assert not loaded, f"{core} loaded {loaded[:10]} (of its modules: {len(report['modules'])})"


def test_the_check_sees_django_loaded() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, "django.utils.functional"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout)["loaded"]
    assert any(m == "django" or m.startswith("django.") for m in loaded)
