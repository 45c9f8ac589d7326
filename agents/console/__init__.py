"""The review console: the web application where reviewers work the ``suspects.review`` queue.

It reads the queue and everything a card shows from Kafka (:mod:`.feeds`,
:mod:`.state`), shares claims with every other console process through the
compacted ``console.claims`` topic and publishes verdicts to
``enforcement.outcomes`` (:mod:`.service`), and serves server-rendered pages
with every listing text escaped behind sign-in, CSRF tokens and a strict
Content-Security-Policy (:mod:`.server`, :mod:`.html`). The decisions behind
it (ordering, claims, highlights, tokens) are in :mod:`pipeline.review`.
"""

from agents.console.accounts import Accounts, AccountsError, account_line, add_account
from agents.console.app import run_console, serve
from agents.console.server import ConsoleServer
from agents.console.service import ConsoleService, ItemTaken, Verdict

__all__ = ["Accounts", "AccountsError", "ConsoleServer", "ConsoleService", "ItemTaken", "Verdict", "account_line",
           "add_account", "run_console", "serve"]
