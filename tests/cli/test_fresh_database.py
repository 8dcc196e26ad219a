"""Every command that needs the database says what to do on a database nobody migrated yet (issue 22, item 23)."""

from __future__ import annotations

import subprocess
import sys

# One Python process runs each command through atiende.cli.main, so Django starts once.
COMMANDS = [
    ["user", "add", "pepe", "--role", "tecnico"],
    ["user", "list"],
    ["user", "disable", "pepe"],
    ["user", "enable", "pepe"],
    ["user", "reset-password", "pepe", "--password-stdin"],
    ["token", "create", "pepe"],
    ["token", "revoke", "atk_12345678"],
    ["commitments", "check"],
    ["caller", "list"],
    ["caller", "block", "+34600111222"],
    ["webhooks"],
    ["audit", "verify"],
    ["vault", "purge"],
    ["mail", "failed"],
    ["worker", "--once"],
]

_RUNNER = """
import contextlib, io, json, sys
from atiende.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except BaseException as error:  # a traceback is what this test forbids
            code = repr(error)
    results.append([argv, code, err.getvalue()])
print(json.dumps(results))
"""


def test_every_database_command_on_a_fresh_home_says_run_atiende_migrate(tmp_path):
    import json

    env = {"LANG": "en_GB.UTF-8", "PATH": "/usr/bin:/bin", "ATIENDE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _RUNNER, json.dumps(COMMANDS)], env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])
    wrong = [(argv, code, err) for argv, code, err in results
             if code != 1 or "run `atiende migrate` first" not in err or "Traceback" in err]
    assert wrong == []


def test_the_advice_is_in_spanish_for_a_spanish_locale(tmp_path):
    from atiende.i18n import compile_catalogues

    compile_catalogues()
    env = {"LANG": "es_ES.UTF-8", "PATH": "/usr/bin:/bin", "ATIENDE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "atiende.cli", "user", "add", "pepe", "--role", "tecnico"],
                          env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert "ejecute `atiende migrate`" in done.stderr and "Traceback" not in done.stderr
