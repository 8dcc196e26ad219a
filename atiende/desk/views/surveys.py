"""SP-4: the satisfaction survey a customer answers from the link sent on close.

The unguessable token in the link is the credential, so the page needs no sign-in.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from atiende.desk.forms import SurveyForm
from atiende.desk.selectors import get_survey
from atiende.desk.services.surveys import answer_survey
from atiende.errors import InputError
from atiende.web.access import not_found
from atiende.web.pages import attach_error


def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = get_survey(token=token[:200])
    except InputError:
        return not_found(request, _("This survey link is not valid."))
    if found.answered_at is not None:
        return render(request, "desk/survey.html", {"survey": found, "answered": True})
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answer_survey(token=found.token, rating=int(form.cleaned_data["rating"]),
                          resolved=form.cleaned_data["resolved"] == "yes",
                          comment=form.cleaned_data["comment"])
        except InputError as exc:
            attach_error(form, exc)
        else:
            found.refresh_from_db()
            return render(request, "desk/survey.html", {"survey": found, "answered": True, "thanks": True})
    return render(request, "desk/survey.html", {"survey": found, "form": form},
                  status=400 if form.is_bound else 200)
