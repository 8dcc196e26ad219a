import pytest

from atiende.engine import Policy, PolicySet
from atiende.practices import Refusal


def test_default_policies_come_from_the_company_document():
    policy = Policy()
    assert policy.max_call_seconds == 15 * 60  # PO-1
    assert policy.max_wait_seconds == 3 * 60  # PO-2
    assert policy.calls_per_day == 30  # PO-3
    assert policy.warn_fraction == 0.8
    assert policy.transfer_timeout_seconds == 60  # TR-5


def test_queue_overrides_beat_organisation_overrides_which_beat_defaults():
    policies = PolicySet()
    policies.set_organisation("hospital", {"max_wait_seconds": 60, "max_call_seconds": 600})
    policies.set_queue("urgencias", {"max_wait_seconds": 30})
    resolved = policies.resolve(organisation="hospital", queue="urgencias")
    assert (resolved.max_wait_seconds, resolved.max_call_seconds) == (30, 600)
    assert policies.resolve(organisation="otra").max_wait_seconds == 180
    assert policies.resolve(queue="urgencias").max_call_seconds == 900


@pytest.mark.parametrize("overrides", [{"max_wait_seconds": 0}, {"warn_fraction": 1.5}, {"colour": 3},
                                       {"max_call_seconds": "ten"}])
def test_invalid_policy_override_is_refused_with_a_clear_error(overrides):
    with pytest.raises(Refusal) as info:
        PolicySet().set_queue("q", overrides)
    assert info.value.status == 400 and info.value.code == "invalid_policy"
