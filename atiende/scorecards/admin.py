"""Django admin: the calls waiting for their scorecard, and the ones that gave up, with their error.

Read-only, but for one action: after the scorer is fixed, "score again" gives
the selected jobs a new set of attempts, due now.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from atiende.privacy.admin import ReadOnlyAdmin
from atiende.scorecards import jobs
from atiende.scorecards.models import ScoringJob


class _StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("pending")), ("failed", _("failed"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "pending":
            return queryset.filter(gave_up_at__isnull=True)
        if self.value() == "failed":
            return queryset.filter(gave_up_at__isnull=False)
        return queryset


@admin.register(ScoringJob)
class ScoringJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "contact", "state", "attempts", "created_at", "next_attempt_at", "claimed_by",
                    "lease_until", "gave_up_at")
    list_filter = (_StatusFilter,)
    search_fields = ("contact__external_id",)
    list_select_related = ("contact",)
    readonly_fields = ("contact", "created_at", "attempts", "next_attempt_at", "claimed_by", "lease_until",
                       "gave_up_at", "last_error")
    actions = ["score_again"]

    @admin.display(description=_("status"))
    def state(self, job: ScoringJob) -> str:
        return str(_("failed") if job.status == "failed" else _("pending"))

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("scorecards.change_scoringjob"))

    @admin.action(description=_("Score again"), permissions=["requeue"])
    def score_again(self, request: HttpRequest, queryset: QuerySet[ScoringJob]) -> None:
        count = jobs.requeue(queryset.values_list("pk", flat=True))
        self.message_user(request, ngettext("%(count)d call queued to be scored again; the worker scores it now.",
                                            "%(count)d calls queued to be scored again; the worker scores them now.",
                                            count) % {"count": count}, messages.SUCCESS)
