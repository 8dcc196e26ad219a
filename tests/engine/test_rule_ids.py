"""Every refusal names the rule it enforces (issue 3, item 8)."""

import pytest

from atiende.engine import Policy
from atiende.practices import Refusal


@pytest.mark.parametrize(("overrides", "rule"), [
    ({"calls_per_day": -1}, "PO-3"),
    ({"calls_per_day": "muchas"}, "PO-3"),
    ({"max_call_seconds": 0}, "PO-1"),
    ({"warn_fraction": 1.5}, "PO-1"),
    ({"max_wait_seconds": -5}, "PO-2"),
    ({"overflow_fraction": 0}, "PO-2"),
    ({"transfer_timeout_seconds": 0}, "TR-5"),
    ({"ring_timeout_seconds": 0}, "CH-TEL"),
    ({"wrap_up_seconds": -1}, "CH-TEL"),
])
def test_an_invalid_setting_cites_the_rule_it_serves(overrides, rule):
    with pytest.raises(Refusal) as refused:
        Policy().with_overrides(overrides)
    assert (refused.value.code, refused.value.status, refused.value.rule) == ("invalid_policy", 400, rule)
    assert next(iter(overrides)) in refused.value.en


def test_transferring_to_yourself_cites_tr4(talking, clock):
    with pytest.raises(Refusal) as refused:
        talking.request_transfer(purpose="x", customer_consent=True, now=clock.now(), to_technician=1)
    assert (refused.value.code, refused.value.rule) == ("transfer_to_self", "TR-4")
