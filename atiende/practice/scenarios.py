"""The scenario library the product uses: the shipped one plus the organisation's folders, and pass marks.

``ATIENDE_TRAINING_SCENARIOS`` names extra folders of scenario files (several joined by ``os.pathsep``);
they are read once per process. A supervisor's pass mark (``PassMark``) overrides a scenario's default.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

from atiende.practice.models import PassMark
from atiende.training import Library, Scenario, ScenarioError, load_library
from atiende.training.scenario import TYPES, dirs_from_environment

logger = logging.getLogger(__name__)


def library() -> Library:
    return _library(tuple(dirs_from_environment(os.environ)))


@cache
def _library(dirs: tuple[str, ...]) -> Library:
    try:
        return load_library(dirs)
    except ScenarioError as exc:
        # A broken file in the organisation's folder is a configuration error to fix, not a reason to fail
        # every practice page: say so in the log and go on with the shipped scenarios.
        logger.error("ATIENDE_TRAINING_SCENARIOS ignored: %s", exc.message("en"))
        return load_library()


def pass_marks() -> dict[str, int]:
    """The pass marks supervisors set, by scenario."""
    return dict(PassMark.objects.values_list("scenario_id", "pass_mark"))


def pass_mark_for(scenario: Scenario) -> int:
    stored = PassMark.objects.filter(scenario_id=scenario.id).values_list("pass_mark", flat=True).first()
    return scenario.pass_mark if stored is None else stored


def scenario_list(language: str) -> list[dict[str, Any]]:
    """Every scenario, by type then id, with the pass mark in force."""
    marks = pass_marks()
    rows = []
    for scenario in library().scenarios.values():
        row = scenario.summary_dict(language)
        row["pass_mark"] = marks.get(scenario.id, scenario.pass_mark)
        row["default_pass_mark"] = scenario.pass_mark
        row["type_label"] = library().behaviour(scenario.type).label(language)
        rows.append(row)
    rows.sort(key=lambda r: (TYPES.index(r["type"]), r["id"]))
    return rows
