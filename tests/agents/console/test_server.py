"""The console's guard, over HTTP without a broker: sign-in, single sign-on header, CSRF, expired sessions.

The service is built but never started: these requests need no Kafka, only the
routes, the guard and the pages over an empty queue.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from agents.console.accounts import Accounts, add_account
from agents.console.server import SESSION_COOKIE, ConsoleServer
from agents.console.service import ConsoleService
from pipeline.review.sessions import Session, SessionSigner
from pipeline.settings import Settings
from pipeline.timestamps import utc_now


def serve(check, accounts: Accounts | None = None, header: str | None = None, signer: SessionSigner | None = None):
    async def run() -> None:
        service = ConsoleService("127.0.0.1:1", {}, Settings.load(env={}))
        server = ConsoleServer(service, signer or SessionSigner(), accounts, header)
        async with TestClient(TestServer(server.app())) as client:
            await check(client, server)

    asyncio.run(run())


def test_the_trusted_header_names_the_reviewer_and_posts_still_need_the_token():
    async def check(client: TestClient, server: ConsoleServer) -> None:
        answer = await client.get("/", headers={"X-Forwarded-User": "carol"})
        body = await answer.text()
        assert answer.status == 200 and 'id="reviewer">carol<' in body and 'id="catching-up"' in body
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
        answer = await client.get("/", allow_redirects=False)
        assert answer.status == 303 and answer.headers["Location"].startswith("/login")
        assert "single sign-on" in await (await client.get("/login")).text()
        sso = {"X-Forwarded-User": "carol"}
        refused = await client.post("/review/" + "a" * 32 + "/decide", data={"action": "genuine"}, headers=sso)
        assert refused.status == 403
        token = server.signer.csrf_token(Session("carol", utc_now(), "proxy"))
        allowed = await client.post("/review/" + "a" * 32 + "/decide", data={"action": "genuine", "csrf": token},
                                    headers=sso)
        assert allowed.status == 404  # past the guard: there is no such item
        other = server.signer.csrf_token(Session("dave", utc_now(), "proxy"))  # another reviewer's token
        assert (await client.post("/logout", data={"csrf": other}, headers=sso)).status == 403

    serve(check, header="X-Forwarded-User")


def test_passwords_sessions_and_their_expiry(tmp_path: Path):
    add_account(tmp_path / "accounts", "alice", "pw")
    signer = SessionSigner(ttl_s=60)

    async def check(client: TestClient, server: ConsoleServer) -> None:
        form = await (await client.get("/login")).text()
        token = form.split('name="csrf" value="')[1].split('"')[0]
        wrong = await client.post("/login", data={"csrf": token, "reviewer": "alice", "password": "no"})
        assert wrong.status == 401
        forged = await client.post("/login", data={"csrf": "forged", "reviewer": "alice", "password": "pw"})
        assert forged.status == 403
        right = await client.post("/login", data={"csrf": token, "reviewer": "alice", "password": "pw", "next": "/"},
                                  allow_redirects=False)
        assert right.status == 303 and SESSION_COOKIE in right.cookies
        assert right.cookies[SESSION_COOKIE]["httponly"] and right.cookies[SESSION_COOKIE]["samesite"] == "Strict"
        assert (await client.get("/", allow_redirects=False)).status == 200
        for age, status in ((59, 200), (61, 303)):  # an expired session goes back to the sign-in page
            token, _ = signer.issue("alice", utc_now() - timedelta(seconds=age))
            client.session.cookie_jar.clear()
            client.session.cookie_jar.update_cookies({SESSION_COOKIE: token})
            assert (await client.get("/", allow_redirects=False)).status == status, age

    serve(check, accounts=Accounts.load(tmp_path / "accounts"), signer=signer)
