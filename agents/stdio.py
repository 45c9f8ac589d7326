"""Where the command line reads and writes, by one set of conventions.

A command's result goes to stdout or to the file it was told to write; what
it says about the work (a summary, progress) goes to stderr, so a result piped
on, or written to ``/dev/stdout``, is never mixed with talk. ``-`` names stdin
or stdout wherever a file is read or written. An output file is created only
once the inputs it depends on have opened, so a typo in an input name leaves
nothing behind. Progress bars are drawn only on a terminal: in a log they are
noise.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import orjson

__all__ = ["STDIO", "CannotOpen", "UsageError", "is_stdio", "one_stdio_each", "progress_shown", "reading", "say",
           "shown", "with_json", "write_json", "writing"]

STDIO = "-"


class CannotOpen(OSError):
    """A file named on the command line that cannot be opened; the message names it and why."""


class UsageError(ValueError):
    """Options that cannot be used together as given (exit code 2)."""


def is_stdio(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDIO


def shown(path: Path | str, stream: str = "stdout") -> str:
    """How a message names a file: ``stdin`` or ``stdout`` for ``-``."""
    return stream if is_stdio(path) else str(path)


def one_stdio_each(reads: Mapping[str, Path | None], writes: Mapping[str, Path | None]) -> None:
    """At most one input may be stdin and one output stdout (``reads``/``writes``: option -> path)."""
    for stream, options in (("stdin", reads), ("stdout", writes)):
        named = [option for option, path in options.items() if is_stdio(path)]
        if len(named) > 1:
            raise UsageError(f"only one of {' and '.join(named)} can be - ({stream})")


@contextlib.contextmanager
def reading(path: Path) -> Iterator[IO[bytes]]:
    """The file (or stdin for ``-``) opened for binary reading."""
    if is_stdio(path):
        yield sys.stdin.buffer
        return
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise CannotOpen(f"cannot read {path}: {exc.strerror or exc}") from exc
    with handle:
        yield handle


@contextlib.contextmanager
def writing(path: Path) -> Iterator[IO[bytes]]:
    """The file (or stdout for ``-``) opened for binary writing; a file's directory is made if missing."""
    if is_stdio(path):
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("wb")
    except OSError as exc:
        raise CannotOpen(f"cannot write {path}: {exc.strerror or exc}") from exc
    with handle:
        yield handle


def write_json(document: Any, path: Path) -> None:
    """``document`` as indented JSON to ``path`` (stdout for ``-``)."""
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    with writing(path) as out:
        out.write(data + b"\n")


def with_json(human: str, document: Any, json_path: Path | None) -> None:
    """A command's result: ``human`` to stdout and ``document`` to ``--json PATH``; with
    ``--json -`` the JSON takes stdout and ``human`` goes to stderr."""
    print(human, file=sys.stderr if is_stdio(json_path) else sys.stdout, flush=True)
    if json_path is not None:
        write_json(document, json_path)


def say(text: str) -> None:
    """A summary or a note on the work: stderr, never among the results."""
    print(text, file=sys.stderr, flush=True)


def progress_shown(no_progress: bool) -> bool:
    """Progress bars only where someone watches: stderr a terminal, and not ``--no-progress``."""
    return not no_progress and sys.stderr.isatty()
