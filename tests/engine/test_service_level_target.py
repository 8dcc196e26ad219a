"""The service-level target (PO-2 measured): a policy setting with a default, overridable per organisation and queue."""

import pytest

from atiende.engine import Policy, PolicySet
from atiende.practices import Refusal


def test_the_default_is_99_percent_and_a_fraction_stays_a_fraction():
    assert Policy().service_level_target == 0.99
    assert Policy().with_overrides({"service_level_target": 0.8}).service_level_target == 0.8
    assert Policy().with_overrides({"service_level_target": 1}).service_level_target == 1.0
    assert Policy().with_overrides({"max_wait_seconds": 60.7}).max_wait_seconds == 60  # seconds stay whole


def test_the_queue_overrides_the_organisation_which_overrides_the_default():
    policies = PolicySet()
    policies.set_organisation("7", {"service_level_target": 0.9})
    policies.set_queue("urgente", {"service_level_target": 0.95})
    assert policies.resolve().service_level_target == 0.99
    assert policies.resolve(organisation="7", queue="soporte").service_level_target == 0.9
    assert policies.resolve(organisation="7", queue="urgente").service_level_target == 0.95


@pytest.mark.parametrize("value", [0, -0.2, 1.5, 80, "alto", True])
def test_a_target_outside_0_to_1_is_refused_citing_po2(value):
    with pytest.raises(Refusal) as refused:
        Policy().with_overrides({"service_level_target": value})
    assert (refused.value.code, refused.value.status, refused.value.rule) == ("invalid_policy", 400, "PO-2")
    assert "service_level_target" in refused.value.en
