"""The Dockerfile read as stages of instructions, so tests can ask what each stage does (what the
builder copies, what the runtime stage sets) without matching text line by line."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.settings import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, its arguments)

    def all(self, instruction: str) -> list[str]:
        return [args for kind, args in self.instructions if kind == instruction]

    def env(self) -> dict[str, str]:
        pairs = [pair for args in self.all("ENV") for pair in shlex.split(args)]
        return dict(pair.split("=", 1) for pair in pairs)

    def copy_sources(self) -> list[str]:
        """What COPY takes from the build context (not from another stage)."""
        sources: list[str] = []
        for args in self.all("COPY"):
            words = shlex.split(args)
            if not any(word.startswith("--from=") for word in words):
                sources += [word for word in words[:-1] if not word.startswith("--")]
        return sources


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    """Every stage in order; continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\") + " " if line.rstrip().endswith("\\") else line.strip()
        if not line.rstrip().endswith("\\"):
            logical.append(" ".join(pending.split()))
            pending = ""
    found: list[Stage] = []
    for line in logical:
        kind, _, args = line.partition(" ")
        if kind.upper() == "FROM":
            image, *rest = args.split()
            found.append(Stage(image, rest[1] if len(rest) == 2 and rest[0].upper() == "AS" else None))
        else:
            found[-1].instructions.append((kind.upper(), args))
    return found
