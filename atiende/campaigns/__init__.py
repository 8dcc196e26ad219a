"""Outbound campaigns (CH-PRO): call lists from a CSV file or a filter, worked in preview mode.

* :mod:`~atiende.campaigns.core`: the pure rules (the CSV list, calling hours, outcomes, PH-5).
* :mod:`~atiende.campaigns.services`: building a campaign and its list, the preview (next,
  dial, outcome), the do-not-call list.
* :mod:`~atiende.campaigns.selectors`: what a user may see (ET-4: the campaign's queue's team).

See docs/campaigns.md.
"""
