"""The worker's monitoring endpoints: /metrics for Prometheus, /healthz and /readyz for probes.

Served by aiohttp (already in the worker through Faust) on the metrics port,
bound to 127.0.0.1 unless configured otherwise. The port is what a Service
exposes to the monitoring stack, so it serves monitoring and nothing else; the
seller view lives on the worker's web port (:func:`agents.worker.app.serve_seller_views`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from mode import Service
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from agents.worker.background import BackgroundErrors
from agents.worker.metrics import Metrics

log = logging.getLogger(__name__)


class ObservabilityServer(Service):
    """Serves the worker's metrics and probes. A view that fails answers 500 and
    is counted as the ``web`` task's error; the server and the worker go on."""

    def __init__(self, metrics: Metrics, host: str, port: int, ready: Callable[[], tuple[bool, str]],
                 errors: BackgroundErrors, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics
        self.host = host
        self.port = port
        self.ready = ready
        self.errors = errors
        errors.declare("web")

    @web.middleware
    async def _contained(self, request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:  # an answer (404, 405, ...), not a failure
            raise
        except Exception as error:
            self.errors.record("web", error)
            return web.Response(text="internal error; it is logged\n", status=500)

    async def on_start(self) -> None:
        app = web.Application(middlewares=[self._contained])
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, self.host, self.port).start()
        log.info("metrics and probes on http://%s:%d", self.host, self.port)

    async def on_stop(self) -> None:
        if hasattr(self, "runner"):
            await self.runner.cleanup()

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _request: web.Request) -> web.Response:
        ready, reason = self.ready()
        return web.Response(text=reason + "\n", status=200 if ready else 503)
