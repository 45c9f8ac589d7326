"""Markup with every value escaped: listing text is hostile input, and only this module writes HTML.

Pages are assembled from :func:`text` (escaped) and :class:`Markup`
(already-safe fragments built here), never by formatting raw values into a
string, so a title holding ``<script>`` or an ``onerror=`` attribute reaches
the browser as characters. The response headers add a Content-Security-Policy
that allows scripts and styles from the console itself only: even markup that
slipped through could run nothing.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable
from importlib import resources
from string import Template
from urllib.parse import urlencode

RESOURCES = resources.files("agents.console") / "resources"
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class Markup(str):
    """A fragment known to be safe: built by this module from escaped parts."""


def text(value: object) -> Markup:
    """Any value, escaped for use as element text or a quoted attribute."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[object]) -> Markup:
    return Markup("".join(text(part) for part in parts))


def element(tag: str, content: object = "", **attributes: object) -> Markup:
    """``<tag attr="...">content</tag>``: attribute names are ours, values escaped; ``class_`` is class."""
    attrs = _attributes(attributes)
    return Markup(f"<{tag}{attrs}>{text(content)}</{tag}>")


def void(tag: str, **attributes: object) -> Markup:
    attrs = _attributes(attributes)
    return Markup(f"<{tag}{attrs}>")


def _attributes(attributes: dict[str, object]) -> str:
    """Names are ours (``class_`` is class, ``data_x`` is data-x); values escaped; True is a bare attribute."""
    out = []
    for name, value in attributes.items():
        if value is None or value is False:
            continue
        name = name.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{text(value)}"')
    return "".join(out)


def link(href: str, content: object, **attributes: object) -> Markup:
    return element("a", content, href=href, **attributes)


def query(path: str, **params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def hidden(name: str, value: str) -> Markup:
    return void("input", type="hidden", name=name, value=value)


def table(headers: Iterable[object], rows: Iterable[Iterable[object]], **attributes: object) -> Markup:
    head = element("tr", join(element("th", h) for h in headers))
    body = join(element("tr", join(element("td", cell) for cell in row)) for row in rows)
    return element("table", join((element("thead", head), element("tbody", body))), **attributes)


@functools.cache
def _layout() -> Template:
    return Template((RESOURCES / "layout.html").read_text(encoding="utf-8"))


def page(title: str, body: Markup, nav: Markup = Markup(""), name: str = "") -> str:
    return _layout().substitute(title=text(title), body=body, nav=nav, page=text(name))


def static_file(name: str) -> tuple[bytes, str] | None:
    """A file of resources/ the pages load (CSS, JS), with its content type; None for anything else."""
    types = {".css": "text/css", ".js": "text/javascript"}
    suffix = name[name.rfind("."):] if "." in name else ""
    if "/" in name or suffix not in types:
        return None
    resource = RESOURCES / name
    if not resource.is_file():
        return None
    return resource.read_bytes(), types[suffix]
