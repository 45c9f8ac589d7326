"""``counterscan console``: start the readers, serve the pages, stop cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from agents.console.accounts import Accounts, AccountsError, add_account
from agents.console.server import ConsoleServer
from agents.console.service import ConsoleService
from agents.kafka.clients import check_broker, client_security, resolve_bootstrap
from agents.stdio import UsageError, say
from pipeline.review.sessions import SessionSigner
from pipeline.settings import Settings, setting_env, setting_flag

log = logging.getLogger(__name__)


def _accounts(settings: Settings) -> Accounts | None:
    if settings.console_trusted_header:
        return None
    if settings.console_accounts_file is None:
        raise UsageError(f"the console needs reviewer accounts: {setting_flag('console_accounts_file')} "
                         f"({setting_env('console_accounts_file')}), or "
                         f"{setting_flag('console_trusted_header')} behind a single-sign-on proxy")
    try:
        return Accounts.load(settings.console_accounts_file)
    except AccountsError as exc:
        raise UsageError(str(exc)) from exc


async def serve(settings: Settings, bootstrap: str, accounts: Accounts | None) -> None:
    """Serve until SIGTERM or SIGINT; the readers start at once, pages answer while they catch up."""
    security = client_security(settings)
    service = ConsoleService(bootstrap, security, settings)
    await service.start()
    server = ConsoleServer(service, SessionSigner(ttl_s=settings.console_session_ttl_s), accounts,
                           settings.console_trusted_header)
    runner = web.AppRunner(server.app(), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.console_host, settings.console_port)
        await site.start()
        say(f"review console on http://{settings.console_host}:{settings.console_port}/ "
            f"(Kafka {bootstrap}); reading the queue")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
        await service.stop()


def run_console(settings: Settings, add: str | None = None) -> int:
    if add is not None:
        path = settings.console_accounts_file
        if path is None:
            raise UsageError(f"--add-account writes to {setting_flag('console_accounts_file')} "
                             f"({setting_env('console_accounts_file')}): name the file")
        password = _read_password()
        try:
            add_account(Path(path), add, password)
        except AccountsError as exc:
            raise UsageError(str(exc)) from exc
        say(f"account {add} written to {path}")
        return 0
    accounts = _accounts(settings)
    bootstrap = resolve_bootstrap(settings)
    check_broker(bootstrap, client_security(settings))  # one line, not a stack trace, if it is down
    asyncio.run(serve(settings, bootstrap, accounts))
    return 0


def _read_password() -> str:
    """From a prompt on a terminal, else the first line of stdin (for scripts)."""
    if sys.stdin.isatty():
        import getpass

        first, second = getpass.getpass("password: "), getpass.getpass("again: ")
        if first != second:
            raise UsageError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")
