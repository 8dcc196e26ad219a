"""Knowledge pages. Thin: who may read and write lives in ``articles.py`` and ``canned.py``; what matches in
``search.py``.

- ``/buscar/``: the top bar's search, for everyone (visitors and customers find public articles).
- ``/ayuda/``: the help center, readable without signing in: public articles by category, search,
  "did this solve it?"; the staff also see internal articles there.
- ``/ayuda/sugerencias/?title=&problem_story=``: the articles related to a request being written (the portal's
  form asks for them as the customer types); "this solved it" there counts a request avoided.
- ``/conocimiento/``: the staff's articles and canned answers: write, change, history, files.
- ``/conocimiento/relacionados/<number>/`` and ``/conocimiento/respuestas/<pk>/usar/``: fragments for
  the work-order page and the console: related articles, a canned answer filled for a work order.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from atiende.desk import selectors
from atiende.errors import InputError
from atiende.knowledge import articles, canned
from atiende.knowledge.forms import ArticleFileForm, ArticleForm, CannedAnswerForm
from atiende.knowledge.models import FeedbackContext, SearchKind
from atiende.knowledge.search import related_articles, search
from atiende.people.models import Team, User
from atiende.people.roles import is_admin, is_manager
from atiende.search.query import terms_of_text
from atiende.web.access import not_found, staff_required
from atiende.web.pages import attach_error


def _reader(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


def _language() -> str:
    return (get_language() or "es")[:2]


def search_page(request: HttpRequest) -> HttpResponse:
    """GET /buscar/?q=: everything the user may see that matches, grouped by kind (the top bar's box)."""
    text = request.GET.get("q", "")
    error = ""
    try:
        results = search(_reader(request), text, limit=20)
    except InputError as exc:
        results, error = [], str(exc.message)
    groups = [(label, [r for r in results if r.kind == kind]) for kind, label in SearchKind.choices]
    context = {"q": text, "results": results, "groups": [g for g in groups if g[1]], "error": error,
               "searched": bool(text.strip()), "nav": "search"}
    template = "knowledge/_search_results.html" if request.headers.get("HX-Request") else "knowledge/search.html"
    return render(request, template, context, status=400 if error else 200)


# -- The help center ------------------------------------------------------------------------------------------

def help_center(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    language = request.GET.get("idioma") or _language()
    if language not in ("es", "en"):
        language = "es"
    groups = articles.categories_with_articles(reader, language)
    return render(request, "knowledge/help_center.html", {
        "groups": groups, "language": language, "nav": "help",
        "other_language": "en" if language == "es" else "es",
    })


def help_article(request: HttpRequest, pk: int) -> HttpResponse:
    reader = _reader(request)
    try:
        article = articles.get_article(reader, pk)
    except InputError:
        return not_found(request, _("No such article."))
    files = list(article.attachments.all())
    staff = articles.is_writer(reader)
    return render(request, "knowledge/article.html", {
        "article": article, "images": [f for f in files if f.is_image], "files": [f for f in files if not f.is_image],
        "staff": staff, "counts": articles.feedback_counts(article) if staff else None,
        "answered": request.GET.get("valorado"), "nav": "help",
    })


@require_POST
def help_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """Did this solve it? Once per visitor, article and day; before a request, a yes is a request avoided."""
    reader = _reader(request)
    try:
        article = articles.get_article(reader, pk)
        context = request.POST.get("context") or FeedbackContext.HELP_CENTER
        articles.record_feedback(article=article, solved=request.POST.get("solved") == "si", context=context,
                                 user=reader, voter=articles.request_voter(request))
    except InputError as exc:
        if exc.status == 404:
            return not_found(request, _("No such article."))
        return render(request, "web/error.html", {"status": 400, "message": exc.message, "rule": exc.rule}, status=400)
    solved = request.POST.get("solved") == "si"
    if request.headers.get("HX-Request"):
        return render(request, "knowledge/_feedback_thanks.html", {"solved": solved, "context": context})
    return redirect(f"{request.path.rsplit('valoracion/', 1)[0]}?valorado={'si' if solved else 'no'}")


def suggestions(request: HttpRequest) -> HttpResponse:
    """Articles related to what a customer is writing (the portal's request form)."""
    # The portal's form fields (htmx sends the form), or titulo/texto from elsewhere.
    title = request.GET.get("title") or request.GET.get("titulo", "")
    story = request.GET.get("problem_story") or request.GET.get("texto", "")
    text = f"{title}\n{title}\n{story}"[:5000]
    found = related_articles(_reader(request), terms_of_text(text), limit=3)
    return render(request, "knowledge/_suggestions.html", {"suggestions": found})


# -- The staff's pages ----------------------------------------------------------------------------------------

@staff_required
def knowledge_index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    rows = list(articles.visible_articles(user).order_by("title"))
    counts = articles.feedback_by_article([a.pk for a in rows])
    return render(request, "knowledge/index.html", {
        "articles": [(a, counts.get(a.pk)) for a in rows], "totals": articles.feedback_counts(),
        "canned_answers": canned.visible_canned_answers(user), "nav": "knowledge",
    })


def _article_arguments(form: ArticleForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {"title": data["title"], "body": data["body"], "language": data["language"],
            "category": data.get("category") or "", "public": bool(data.get("public"))}


@staff_required
def article_create(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None, initial={"language": _language()})
    if request.method == "POST" and form.is_valid():
        try:
            article = articles.create_article(actor=request.user, **_article_arguments(form))  # type: ignore[arg-type]
        except InputError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:article", pk=article.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "nav": "knowledge"},
                  status=400 if form.is_bound else 200)


@staff_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = articles.get_article(request.user, pk)  # type: ignore[arg-type]
    except InputError:
        return not_found(request, _("No such article."))
    initial = {"title": article.title, "body": article.body, "language": article.language,
               "category": article.category.name if article.category else "", "public": article.public,
               "version": article.version}
    form = ArticleForm(request.POST or None, initial=initial)
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            articles.update_article(actor=request.user, article=article,  # type: ignore[arg-type]
                                    version=form.cleaned_data.get("version") or 0, **_article_arguments(form))
        except InputError as exc:
            stale = exc.status == 409
            attach_error(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:article", pk=article.pk)
    return render(request, "knowledge/article_form.html", {
        "form": form, "article": article, "stale": stale, "file_form": ArticleFileForm(),
        "files": list(article.attachments.all()), "nav": "knowledge",
    }, status=(409 if stale else 400) if form.is_bound else 200)


@staff_required
@require_POST
def article_file_add(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = articles.get_article(request.user, pk)  # type: ignore[arg-type]
    except InputError:
        return not_found(request, _("No such article."))
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InputError("required", _("Choose a file first."), field="file")
        articles.add_attachment(actor=request.user, article=article, file=upload,  # type: ignore[arg-type]
                                filename=upload.name or "")
    except InputError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("File added."))
    return redirect("knowledge:article_edit", pk=article.pk)


def article_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    try:
        return articles.file_response(articles.get_attachment(_reader(request), pk, file_pk))  # type: ignore[no-any-return]
    except InputError:
        return not_found(request, _("No such file."))


@staff_required
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = articles.get_article(request.user, pk)  # type: ignore[arg-type]
        history = articles.versions(request.user, article)  # type: ignore[arg-type]
    except InputError:
        return not_found(request, _("No such article."))
    return render(request, "knowledge/article_history.html", {"article": article, "versions": history,
                                                              "nav": "knowledge"})


def _teams(user: User) -> list[tuple[int, str]]:
    teams = Team.objects.all() if is_admin(user) else user.teams.all()
    return [(t.pk, t.name) for t in teams.order_by("name")]


@staff_required
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    answer = None
    if pk is not None:
        try:
            answer = canned.get_canned_answer(user, pk)
        except InputError:
            return not_found(request, _("No such canned answer."))
    initial = {"language": _language()} if answer is None else {
        "title": answer.title, "body": answer.body, "plain_body": answer.plain_body, "language": answer.language,
        "team": answer.team_id, "version": answer.version}
    form = CannedAnswerForm(request.POST or None, initial=initial, teams=_teams(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data.get(k) for k in ("title", "body", "plain_body", "language", "team")}
        fields["plain_body"] = fields["plain_body"] or ""
        try:
            if answer is None:
                answer = canned.create_canned_answer(actor=user, **fields)  # type: ignore[arg-type]
            else:
                answer = canned.update_canned_answer(actor=user, answer=answer, version=data.get("version") or 0,
                                                     **fields)
        except InputError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, _("Canned answer saved."))
            return redirect("knowledge:canned_answer_edit", pk=answer.pk)
    return render(request, "knowledge/canned_form.html", {
        "form": form, "answer": answer, "nav": "knowledge",
        "may_delete": answer is not None and (is_manager(user) or answer.created_by_id == user.pk),
    }, status=400 if form.is_bound else 200)


@staff_required
@require_POST
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        canned.delete_canned_answer(actor=user, answer=canned.get_canned_answer(user, pk))
    except InputError as exc:
        if exc.status == 404:
            return not_found(request, _("No such canned answer."))
        messages.error(request, str(exc.message))
        return redirect("knowledge:canned_answer_edit", pk=pk)
    messages.success(request, _("Canned answer deleted."))
    return redirect("knowledge:index")


# -- Fragments for the work-order page, the console and the composer ------------------------------------------

@staff_required
def related_to_work_order(request: HttpRequest, number: int) -> HttpResponse:
    """Articles related to a work order's title, story and last messages, for the technician."""
    user: User = request.user  # type: ignore[assignment]
    try:
        work_order = selectors.get_work_order(user, number)
    except InputError:
        return not_found(request, _("No such work order."))
    text = "\n".join([work_order.title, work_order.title, work_order.problem_story,
                      *[m.body for m in selectors.conversation(user, work_order)[-5:]]])
    found = related_articles(user, terms_of_text(text), limit=5)
    return render(request, "knowledge/_related.html", {"suggestions": found, "work_order": work_order})


@staff_required
def related_to_text(request: HttpRequest) -> HttpResponse:
    """Articles related to a call in the console: the caller's open work orders' titles (``titulos``, weighed
    twice, as a work order's title is) and what the customer says (``texto``)."""
    titles = request.GET.get("titulos", "")[:2000]
    text = f"{titles}\n{titles}\n{request.GET.get('texto', '')}"[:5000]
    found = related_articles(request.user, terms_of_text(text), limit=5)  # type: ignore[arg-type]
    return render(request, "knowledge/_related.html", {"suggestions": found})


@staff_required
def canned_picker(request: HttpRequest, number: int) -> HttpResponse:
    """The canned answers one may insert into a work order's reply, and the chosen one filled in."""
    user: User = request.user  # type: ignore[assignment]
    try:
        work_order = selectors.get_work_order(user, number)
    except InputError:
        return not_found(request, _("No such work order."))
    filled = None
    chosen = request.GET.get("respuesta")
    error = ""
    if chosen:
        try:
            filled = canned.use_canned_answer(actor=user, answer=canned.get_canned_answer(user, chosen),
                                              work_order=work_order)
        except InputError as exc:
            error = str(exc.message)
    return render(request, "knowledge/_canned_picker.html", {
        "work_order": work_order, "answers": canned.visible_canned_answers(user).filter(
            language__in=[_language(), "es"]).order_by("title")[:200],
        "filled": filled, "chosen": chosen, "error": error,
    })

