"""Who may find an index entry, as words stored with it (ET-4), so one match answers for the match and the scope.

The desk's visibility rules (``atiende.desk.selectors``) written as tokens:

- ``staff``: every member of the help desk (a work order with no team, the intake pool; a
  customer with no organisation or whose organisation no team serves; a canned answer for
  everyone);
- ``t<id>``: the members of team ``id`` (a work order's team, the team serving a customer's
  organisation, a canned answer's team);
- ``u<id>``: user ``id`` (the work order's assignee and its author).

A work order's tokens are its own; a customer's are its organisation's plus those of every
work order naming it (customer, requester or decision maker: CH-IND), since staff see every
customer on a work order they can see. A staff member's search matches entries holding any
of :func:`user_tokens`; administrators are not filtered, customers and visitors search only
public articles. Plain Python: the index (``atiende.knowledge.index``) and its migration
both call it.
"""

from __future__ import annotations

from collections.abc import Iterable

STAFF = "staff"


def team_token(team_id: int | None) -> str:
    return f"t{int(team_id)}" if team_id else STAFF


def work_order_tokens(team_id: int | None, assignee_id: int | None, created_by_id: int | None) -> set[str]:
    """The team (or the pool when none) and the two people who see a work order whatever its team."""
    tokens = {team_token(team_id)}
    tokens.update(f"u{int(person)}" for person in (assignee_id, created_by_id) if person)
    return tokens


def customer_tokens(organisation_team_id: int | None, work_orders: Iterable[tuple[int | None, int | None, int | None]],
                    ) -> set[str]:
    """A customer's organisation's team (the pool when none) and the tokens of the work orders naming it.

    ``work_orders``: (team, assignee, author) of each work order where the customer is the
    customer, the requester or the decision maker.
    """
    tokens = {team_token(organisation_team_id)}
    for team_id, assignee_id, created_by_id in work_orders:
        tokens |= work_order_tokens(team_id, assignee_id, created_by_id)
    return tokens


def user_tokens(user_id: int, team_ids: Iterable[int]) -> list[str]:
    """What a staff member (not an administrator) may find: the pool, their teams, themselves."""
    return [STAFF, *(f"t{int(t)}" for t in sorted(set(team_ids))), f"u{int(user_id)}"]


def as_text(tokens: Iterable[str]) -> str:
    """Stored form: sorted, space-separated (the same tokens always give the same text)."""
    return " ".join(sorted(set(tokens)))
