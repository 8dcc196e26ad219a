"""Service levels of work orders, the pure core: no Django here.

:mod:`calendar` says when a team's clock runs (business hours, holidays, time zone);
:mod:`clock` computes the first-response and resolution clocks of one work order from
its facts (opened, first reply, pauses while waiting for the customer, resolved);
:mod:`policy` picks the targets that apply (priority, queue, organisation).
"""
