"""Public vote pages: the public page with voting, and the organiser's settings and results."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from grants import lifecycle
from grants.applications.models import Application
from grants.auth import actor, current_user, login_required, require
from grants.forms import Cleaner, Form
from grants.i18n import gettext as _
from grants.i18n import join_list
from grants.pagecache import no_page_cache
from grants.rounds.models import Round
from grants.rounds.routes.common import round_or_404
from grants.urls import path
from grants.validation import FormErrors
from grants.votes import forms, services, workflow
from grants.votes.models import Vote, VoteSetup
from grants.web import db, flash, get_form, get_or_404, path_int, redirect, render

DEVICE_COOKIE = "grants_device"


# ---- public -------------------------------------------------------------------------------

def _public_setup(request: Request) -> tuple[Round, VoteSetup]:
    session = db(request)
    round_ = get_or_404(session, Round, path_int(request))
    setup = services.setup_for(session, round_.id)
    if setup is None or setup.status == "draft":
        raise HTTPException(404)
    return round_, setup


def _device(request: Request) -> str:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isascii() else ""


def _tokens(request: Request) -> dict[str, str]:
    tokens = request.session.get("vote_tokens")
    if not isinstance(tokens, dict):
        return {}
    return {k: v for k, v in tokens.items() if isinstance(k, str) and isinstance(v, str)}


def _public_page(request: Request, round_: Round, setup: VoteSetup, *, error: str = "",
                 status_code: int = 200) -> Response:
    session = db(request)
    show = setup.show_counts or setup.status == "published"
    open_now = services.is_open(setup)
    token = _tokens(request).get(str(round_.id), "")
    voted: set[int] = set()
    if open_now and token:
        no_page_cache(request)  # its vote forms carry one-time challenges
        voted = services.voted_today(session, setup, token, _device(request))
    response = render(request, "votes/public.html", {
        "round": round_, "setup": setup, "candidates": services.candidates(session, setup, public=True),
        "counts": services.vote_counts(session, round_.id) if show else None,
        "open_now": open_now, "error": error,
        "award": services.award_of(session, round_.id) if setup.status == "published" else None,
        "token": token, "voted": voted, "votes_left": setup.votes_per_day - len(voted),
        "pending_email": request.session.get("vote_email", ""),
        "challenge": (lambda: services.issue_challenge(setup)) if open_now else None,
        "STATUSES": workflow.STATUSES,
    }, status_code=status_code)
    if not _device(request):
        response.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(24), max_age=400 * 86400,
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


async def vote_public(request: Request) -> Response:
    round_, setup = _public_setup(request)
    return _public_page(request, round_, setup)


def _refuse(form: Form, keys: tuple[str, ...], words: dict[str, str] | None = None) -> None:
    """Refuse the first problem with the form's `keys`, in the services' words where given."""
    for key in keys:
        if key in form.errors:
            raise services.VoteRefused((words or {}).get(key, form.errors[key]), key)


def _client(request: Request) -> tuple[str, str]:
    device = _device(request)
    if not device:
        raise services.VoteRefused(_("Voting needs cookies: allow them and reload the page."))
    return (request.client.host if request.client else ""), device


async def vote_code(request: Request) -> Response:
    round_, setup = _public_setup(request)
    form = forms.EmailForm(await get_form(request))
    try:
        ip, device = _client(request)
        _refuse(form, ("email",))
        services.request_code(db(request), setup, form.email, ip, device)
    except services.VoteRefused as exc:
        return _public_page(request, round_, setup, error=exc.message, status_code=400)
    request.session["vote_email"] = form.email.lower()
    flash(request, _("We sent a code to your e-mail address. Enter it below."))
    return redirect(path("vote_public", id=round_.id) + "#confirm")


async def vote_confirm(request: Request) -> Response:
    round_, setup = _public_setup(request)
    form = forms.CodeForm(await get_form(request))
    email = form.email or str(request.session.get("vote_email", ""))
    try:
        _ip, device = _client(request)
        _refuse(form, ("email", "code"))
        token = services.verify_code(db(request), setup, email, form.code, device)
    except services.VoteRefused as exc:
        return _public_page(request, round_, setup, error=exc.message, status_code=400)
    tokens = _tokens(request)
    tokens[str(round_.id)] = token
    request.session["vote_tokens"] = tokens
    request.session.pop("vote_email", None)
    flash(request, _("Your address is confirmed. You may vote now."))
    return redirect(path("vote_public", id=round_.id) + "#projects")


async def vote_cast(request: Request) -> Response:
    round_, setup = _public_setup(request)
    form = forms.CastForm(await get_form(request))
    application_id = path_int(request, "app")
    try:
        ip, device = _client(request)
        _refuse(form, ("token", "challenge", "nonce"))
        services.cast(db(request), setup, application_id, token=form.token,
                      challenge=form.challenge, nonce=form.nonce, ip=ip, device=device)
    except services.VoteRefused as exc:
        db(request).rollback()
        return _public_page(request, round_, setup, error=exc.message, status_code=400)
    flash(request, _("Thank you: your vote is recorded."))
    return redirect(path("vote_public", id=round_.id)
                    + f"#project-{application_id}")


# ---- organiser ----------------------------------------------------------------------------

def _allowed_ids(request: Request, round_: Round, setup: VoteSetup | None) -> list[Any]:
    session = db(request)
    ids = set(services.eligible_ids(session, round_.id)) | set(
        setup.application_ids if setup else [])
    if not ids:
        return []
    from sqlalchemy import select

    return list(session.execute(select(Application.id, Application.title).where(
        Application.id.in_(ids)).order_by(Application.id)).all())


def _no_setup_yet(request: Request, round_: Round) -> Response:
    flash(request, _("Set up the public vote first."), "error")
    return redirect(path("vote_settings", id=round_.id))


@login_required
async def vote_settings(request: Request) -> Response:
    round_ = round_or_404(request, "vote.manage")
    session = db(request)
    user = current_user(request)
    setup = services.setup_for(session, round_.id)
    if setup is not None and request.method == "POST":
        require(request, "vote.configure", setup)  # settings are locked once voting opens
    options = _allowed_ids(request, round_, setup)
    values = forms.values_of(setup)
    selected = (setup.application_ids if setup else services.eligible_ids(session, round_.id))
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await get_form(request)
        try:
            data = forms.read_settings(form, {o[0] for o in options})
            setup = services.configure(session, actor(request), round_, setup, data)
        except FormErrors as exc:
            errors = exc.errors
            values = dict(form)
            selected = Cleaner(form).ids("application_ids")
        except services.VoteRefused as exc:
            errors = {exc.field_name or "form": exc.message}
            values = dict(form)
        else:
            flash(request, _("The vote settings are saved."))
            return redirect(path("vote_settings", id=round_.id))
    return render(request, "votes/settings.html", {
        "round": round_, "setup": setup, "values": values, "errors": errors,
        "options": options, "selected": selected, "uses": services.USES,
        "moves": lifecycle.available(user, setup, "vote") if setup else [],
        "STATUSES": workflow.STATUSES,
        "editable": setup is None or setup.status == "draft",
    }, status_code=400 if errors else 200)


@login_required
async def vote_move(request: Request) -> Response:
    round_ = round_or_404(request, "vote.manage")
    session = db(request)
    setup = services.setup_for(session, round_.id)
    verb = request.path_params["action"]
    if workflow.LIFECYCLE.transition(verb) is None:
        raise HTTPException(404)
    form = forms.MoveForm(await get_form(request))
    if setup is None:
        return _no_setup_yet(request, round_)
    back = path("vote_results" if form.came_from == "results" else "vote_settings",
                id=round_.id)
    try:
        if verb == "publish":
            _refuse(form, ("winner", "reason"), {"winner": _(
                "Choose one of the projects that share the most votes.")})
            award = services.publish(session, actor(request), current_user(request), setup,
                                     form.winner, form.reason)
        else:
            award = None
            lifecycle.perform(session, actor(request), current_user(request), f"vote.{verb}",
                              setup)
    except services.VoteRefused as exc:
        session.rollback()
        flash(request, exc.message, "error")
        return redirect(path("vote_results", id=round_.id))
    except FormErrors as exc:
        session.rollback()
        for message in exc.errors.values():
            flash(request, message if isinstance(message, str) else "; ".join(message), "error")
    else:
        flash(request, _("The vote is now “%(status)s”.",
                         status=workflow.LIFECYCLE.label(setup.status)))
        if award is not None:
            return redirect(path("vote_results", id=round_.id))
    return redirect(back)


def _results_page(request: Request, round_: Round, setup: VoteSetup, errors: dict[str, str],
                  status_code: int = 200) -> Response:
    from sqlalchemy import select

    session = db(request)
    flagged = services.flags(session, round_.id)
    excluded = services.excluded_ids(session, round_.id)
    votes = list(session.execute(select(Vote).where(Vote.id.in_(list(flagged)))
                                 .order_by(Vote.at).limit(500)).scalars()) if flagged else []
    results = services.results(session, setup)
    award = services.award_of(session, round_.id)
    titles = {c.id: c.title for c in services.candidates(session, setup)}
    return render(request, "votes/results.html", {
        "round": round_, "setup": setup, "results": results,
        "leaders": services.leaders(results) if setup.use == "award" else [],
        "award": award,
        "tied_names": join_list([titles.get(i, str(i)) for i in award.tied_with]) if award else "",
        "flagged": flagged, "excluded": excluded, "votes": votes, "titles": titles,
        "FLAGS": services.FLAGS, "errors": errors, "STATUSES": workflow.STATUSES,
        "flag_totals": {f: sum(1 for marks in flagged.values() if f in marks)
                        for f in services.FLAGS},
    }, status_code=status_code)


@login_required
async def vote_results(request: Request) -> Response:
    round_ = round_or_404(request, "vote.manage")
    setup = services.setup_for(db(request), round_.id)
    if setup is None:
        return _no_setup_yet(request, round_)
    return _results_page(request, round_, setup, {})


@login_required
async def vote_certificate_pdf(request: Request) -> Response:
    """The 人气奖 certificate, for the organiser and the winning organisation's members."""
    from grants.awards import documents
    from grants.awards.routes import send_document

    round_ = get_or_404(db(request), Round, path_int(request))
    award = services.award_of(db(request), round_.id)
    if award is None:
        raise HTTPException(404)
    require(request, "vote.certificate", award)
    return send_document(request, documents.popularity_certificate(db(request), award))


@login_required
async def vote_exclude(request: Request) -> Response:
    round_ = round_or_404(request, "vote.exclude")
    session = db(request)
    setup = services.setup_for(session, round_.id)
    form = forms.ExcludeForm(await get_form(request))
    if setup is None:
        return _no_setup_yet(request, round_)
    try:
        _refuse(form, ("flag", "vote_ids", "reason"),
                {"vote_ids": _("Choose votes of this round.")})
        if form.flag:
            n = services.exclude_flagged(session, actor(request), setup, form.flag, form.reason)
        else:
            n = services.exclude(session, actor(request), setup, form.vote_ids, form.reason)
    except services.VoteRefused as exc:
        session.rollback()
        return _results_page(request, round_, setup, {exc.field_name or "form": exc.message},
                             status_code=400)
    flash(request, _("%(n)s votes excluded from the count.", n=n))
    return redirect(path("vote_results", id=round_.id))


routes = [
    Route("/vote/{id:id}", vote_public, name="vote_public"),
    Route("/vote/{id:id}/code", vote_code, methods=["POST"], name="vote_code"),
    Route("/vote/{id:id}/confirm", vote_confirm, methods=["POST"], name="vote_confirm"),
    Route("/vote/{id:id}/projects/{app:id}", vote_cast, methods=["POST"], name="vote_cast"),
    Route("/rounds/{id:id}/vote", vote_settings, methods=["GET", "POST"],
          name="vote_settings"),
    Route("/rounds/{id:id}/vote/move/{action:str}", vote_move, methods=["POST"],
          name="vote_move"),
    Route("/rounds/{id:id}/vote/results", vote_results, name="vote_results"),
    Route("/rounds/{id:id}/vote/certificate.pdf", vote_certificate_pdf,
          name="vote_certificate_pdf"),
    Route("/rounds/{id:id}/vote/exclude", vote_exclude, methods=["POST"], name="vote_exclude"),
]
