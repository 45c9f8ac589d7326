"""The console's HTTP side: aiohttp routes, sign-in, and the guard every request passes.

The guard runs before any page: a request without a valid session goes to the
sign-in page (or is refused, for a POST), every POST must carry the session's
CSRF token, and every response carries the security headers of
:mod:`agents.console.html` (a Content-Security-Policy without inline scripts
among them). With a trusted-proxy header configured, the proxy's header names
the reviewer instead of a password: only for a console reachable through that
proxy alone.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from aiohttp import web

from agents.console import pages
from agents.console.accounts import Accounts
from agents.console.brand_page import brand_page
from agents.console.card_page import card_page
from agents.console.html import SECURITY_HEADERS, query, static_file
from agents.console.service import ConsoleService, ItemTaken
from pipeline.brands.catalog import BrandCatalog
from pipeline.review.card import build_card
from pipeline.review.queue import FILTERS
from pipeline.review.sessions import Session, SessionSigner
from pipeline.review.verdicts import ACTIONS
from pipeline.sellers.view import seller_view
from pipeline.timestamps import utc_now

SESSION_COOKIE = "counterscan_session"
LOGIN_COOKIE = "counterscan_login"
PUBLIC = ("/login", "/healthz", "/favicon.ico")
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION = web.RequestKey("session", Session)  # who the guard found the request is from


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _filters(values: object) -> dict[str, str]:
    getter = getattr(values, "get")
    return {name: str(getter(name) or "")[:128] for name in FILTERS if getter(name)}


def _safe_next(path: object) -> str:
    text = str(path or "/")
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else "/"


class ConsoleServer:
    """Routes and the guard over one :class:`ConsoleService`."""

    def __init__(self, service: ConsoleService, signer: SessionSigner, accounts: Accounts | None,
                 trusted_header: str | None, catalog: BrandCatalog | None = None) -> None:
        self.service = service
        self.signer = signer
        self.accounts = accounts
        self.trusted_header = trusted_header
        self.catalog = catalog or BrandCatalog.load()
        self.revoked: set[str] = set()  # nonces of sessions signed out in this process

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard], client_max_size=64 * 1024)
        app.add_routes([
            web.get("/healthz", self.healthz), web.get("/login", self.login_form), web.post("/login", self.login),
            web.post("/logout", self.logout), web.get("/", self.queue), web.get("/escalated", self.escalated),
            web.get("/review/{review_id}", self.card), web.post("/review/{review_id}/decide", self.decide),
            web.get("/sellers/{seller_id}", self.seller), web.get("/brands", self.brands),
            web.get("/brands/{brand}", self.brand),
            web.get("/static/{name}", self.static), web.get("/favicon.ico", self.no_icon),
        ])
        return app

    # --- who is asking ------------------------------------------------------------------------

    def session_of(self, request: web.Request) -> Session | None:
        if self.trusted_header:
            reviewer = request.headers.get(self.trusted_header, "").strip()
            return Session(reviewer[:128], FAR_FUTURE, "proxy") if reviewer else None
        session = self.signer.check(request.cookies.get(SESSION_COOKIE), utc_now())
        return None if session is None or session.nonce in self.revoked else session

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await self._guarded(request, handler)
        except web.HTTPException as exc:
            exc.headers.update(SECURITY_HEADERS)
            raise
        response.headers.update(SECURITY_HEADERS)
        return response

    async def _guarded(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        public = request.path in PUBLIC or request.path.startswith("/static/")
        session = self.session_of(request)
        if session is not None:
            request[SESSION] = session
        if not public and session is None:
            if request.method == "GET":
                raise web.HTTPSeeOther(query("/login", next=request.path_qs))
            return _html(pages.message_page(None, None, "Refused", "Sign in first."), 403)
        if request.method == "POST" and request.path != "/login":
            form = await request.post()
            token = form.get("csrf") or request.headers.get("X-CSRF-Token")
            if session is None or not self.signer.csrf_ok(session, str(token) if token else None):
                return _html(pages.message_page(None, None, "Refused", "This form has no valid CSRF token: "
                                                "reload the page and try again."), 403)
        return await handler(request)

    def _who(self, request: web.Request) -> tuple[str, str]:
        session = request[SESSION]
        return session.reviewer_id, self.signer.csrf_token(session)

    def _brands(self) -> list[str]:
        return sorted(self.catalog.brand_ids)

    # --- sign-in ------------------------------------------------------------------------------

    async def healthz(self, _request: web.Request) -> web.Response:
        ready = self.service.ready
        return web.Response(text="ready\n" if ready else "catching up\n", status=200 if ready else 503)

    async def login_form(self, request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
        if self.trusted_header:
            return _html(pages.message_page(None, None, "Sign in", "Reviewers sign in through single sign-on."))
        # one token per browser until it signs in: a second page load (a favicon redirect, another tab)
        # must not invalidate the form already shown
        token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        response = _html(pages.login_page(token, error, _safe_next(request.query.get("next"))), status)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", path="/login", max_age=3600)
        return response

    async def login(self, request: web.Request) -> web.Response:
        if self.trusted_header or self.accounts is None:
            raise web.HTTPNotFound()
        form = await request.post()
        token, cookie = str(form.get("csrf") or ""), request.cookies.get(LOGIN_COOKIE, "")
        if not token or not secrets.compare_digest(token, cookie):
            return _html(pages.message_page(None, None, "Refused", "This form has no valid CSRF token: "
                                            "reload the page and try again."), 403)
        reviewer, password = str(form.get("reviewer") or "")[:128], str(form.get("password") or "")
        ok = await asyncio.get_running_loop().run_in_executor(None, self.accounts.verify, reviewer, password)
        if not ok:
            return await self.login_form(request, "Wrong reviewer id or password.", 401)
        session_token, _session = self.signer.issue(reviewer, utc_now())
        response = _redirect(_safe_next(form.get("next")))
        response.set_cookie(SESSION_COOKIE, session_token, httponly=True, samesite="Strict", path="/",
                            max_age=int(self.signer.ttl_s))
        response.del_cookie(LOGIN_COOKIE, path="/login")
        return response

    async def logout(self, request: web.Request) -> web.Response:
        session = request[SESSION]
        self.revoked.add(session.nonce)
        response = _redirect("/login")
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    # --- the queue and the card -------------------------------------------------------------

    async def queue(self, request: web.Request) -> web.Response:
        reviewer, csrf = self._who(request)
        state, filters, now = self.service.state, _filters(request.query), utc_now()
        hidden = state.hidden_from(reviewer, now)
        items = state.queue.open_items(filters, hidden)
        summary = state.queue.summary(filters, hidden, now)
        return _html(pages.queue_page(reviewer, csrf, items, summary, filters, now, self._brands(),
                                      self.service.ready))

    async def escalated(self, request: web.Request) -> web.Response:
        reviewer, csrf = self._who(request)
        state = self.service.state
        return _html(pages.escalated_page(reviewer, csrf, state.claims.escalated(), state.queue.items, self._brands()))

    async def card(self, request: web.Request) -> web.Response:
        reviewer, csrf = self._who(request)
        state, filters = self.service.state, _filters(request.query)
        item = state.queue.items.get(request.match_info["review_id"])
        if item is None:
            return _html(pages.message_page(reviewer, csrf, "Not found", "No such review item."), 404)
        if item.decided is not None:
            by = item.decided.get("decided_by") or "a takedown service"
            return _html(pages.message_page(reviewer, csrf, "Decided", f"{by} decided this item already "
                                            f"({item.decided.get('outcome')})."), 410)
        if state.queue.superseded(item):
            return _html(pages.message_page(reviewer, csrf, "Superseded", "A newer revision of the listing "
                                            "replaced this item."), 410)
        if not await self.service.claim(item, reviewer):
            holder = state.claims.holder(item.review_id, utc_now())
            who = holder.reviewer_id if holder is not None else "Another reviewer"
            return _html(pages.message_page(reviewer, csrf, "Taken", f"{who} has this item open."), 409)
        hidden = state.hidden_from(reviewer, utc_now())
        previous = state.queue.next_after(item.review_id, filters, hidden, -1)
        following = state.queue.next_after(item.review_id, filters, hidden, 1)
        neighbours = tuple(query(f"/review/{n.review_id}", **filters) if n is not None and n is not item else None
                           for n in (previous, following))
        marketplace, listing_id = item.listing_key
        decisions = [d for d in state.history.get(item.listing_key, ()) if d["decision_id"] != item.review_id]
        card = build_card(item.request, state.decisions.get(item.review_id), state.listings.get(item.listing_key),
                          self.catalog, seller_view(state.sellers, str(item.request["seller_id"])),
                          state.queue.history(marketplace, listing_id))
        escalated = state.claims.holder(item.review_id, utc_now())
        note = (f"Escalated by {escalated.reviewer_id}: {escalated.note or 'no note'}"
                if escalated is not None and escalated.state == "escalated" else None)
        return _html(card_page(reviewer, csrf, card, decisions, filters, neighbours, self._brands(), note))

    async def decide(self, request: web.Request) -> web.Response:
        reviewer, csrf = self._who(request)
        form = await request.post()
        action, note = str(form.get("action") or ""), str(form.get("note") or "")
        filters = _filters(form)
        if action not in ACTIONS:
            return _html(pages.message_page(reviewer, csrf, "Refused", "Decide counterfeit, genuine or escalate."),
                         400)
        state = self.service.state
        item = state.queue.items.get(request.match_info["review_id"])
        if item is None:
            return _html(pages.message_page(reviewer, csrf, "Not found", "No such review item."), 404)
        try:
            await self.service.decide(item, reviewer, action, note)
        except ItemTaken as exc:
            return _html(pages.message_page(reviewer, csrf, "Taken", str(exc)), 409)
        following = state.queue.open_items(filters, state.hidden_from(reviewer, utc_now()) | {item.review_id})
        return _redirect(query(f"/review/{following[0].review_id}", **filters) if following
                         else query("/", **filters))

    # --- sellers, brands, files ----------------------------------------------------------------

    async def seller(self, request: web.Request) -> web.Response:
        reviewer, csrf = self._who(request)
        seller_id = request.match_info["seller_id"]
        view = seller_view(self.service.state.sellers, seller_id)
        return _html(pages.seller_page(reviewer, csrf, view, seller_id, self._brands()), 200 if view else 404)

    async def brands(self, request: web.Request) -> web.Response:
        reviewer, csrf = self._who(request)
        state = self.service.state
        queued = state.queue.summary(None, (), utc_now()).counts["brand"]
        known = sorted(set(self.catalog.brand_ids) | {b for b in state.brands.brands if b != "none"})
        rows = [(b, self.catalog.profiles[b].display_name if b in self.catalog.profiles else b, queued.get(b, 0),
                 state.brands.brands[b].reviewed() if b in state.brands.brands else 0) for b in known]
        return _html(pages.brands_page(reviewer, csrf, sorted(rows, key=lambda r: (-r[2], r[0]))))

    async def brand(self, request: web.Request) -> web.Response:
        reviewer, csrf = self._who(request)
        brand = request.match_info["brand"]
        profile = self.catalog.profiles.get(brand)
        state = self.service.state
        numbers = state.brands.brands.get(brand)
        if profile is None and numbers is None:
            return _html(pages.message_page(reviewer, csrf, "Not found", "No such brand."), 404)
        size = len(state.queue.open_items({"brand": brand}))
        return _html(brand_page(reviewer, csrf, brand, profile.display_name if profile else brand, numbers, size,
                                self._brands()))

    async def no_icon(self, _request: web.Request) -> web.Response:
        return web.Response(status=404)

    async def static(self, request: web.Request) -> web.Response:
        found = static_file(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(body=body, content_type=content_type)
