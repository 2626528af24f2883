"""The format knowledge base: one card per format or dialect, stored as `cards/*.yaml`.

A card has an `id`, a `title`, `aliases`, `extensions`, `grammar` notes (how a line reads, pin
orders) and `examples`: a netlist line and the component record it means, in the same flat
form the LLM answers with (`kinds.answer_schema`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

CARD_DIR = Path(__file__).with_name("cards")


@dataclass(frozen=True)
class Example:
    line: str
    record: dict


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    grammar: str
    aliases: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    examples: tuple[Example, ...] = field(default=())

    def text(self) -> str:
        """The text retrieval indexes: title, aliases, grammar notes and example lines."""
        lines = [self.title, "aliases: " + ", ".join(self.aliases), self.grammar]
        lines += [e.line for e in self.examples]
        return "\n".join(lines)


def _card(doc: dict, path: Path) -> Card:
    examples = []
    for e in doc.get("examples") or []:
        rec = {k: ("" if v is None else v if isinstance(v, list) else str(v)) for k, v in e["record"].items()}
        if "nets" in rec:
            rec["nets"] = [str(n) for n in rec["nets"]]
        examples.append(Example(str(e["line"]), rec))
    return Card(id=str(doc.get("id") or path.stem), title=str(doc["title"]), grammar=str(doc["grammar"]).strip(),
                aliases=tuple(str(a) for a in doc.get("aliases") or ()),
                extensions=tuple(str(x) for x in doc.get("extensions") or ()), examples=tuple(examples))


@lru_cache(maxsize=4)
def load_cards(folder: str | None = None) -> tuple[Card, ...]:
    """Every card in `folder` (default: the package's `cards/`), sorted by id."""
    import yaml
    d = Path(folder) if folder else CARD_DIR
    return tuple(sorted((_card(yaml.safe_load(p.read_text()), p) for p in d.glob("*.yaml")),
                        key=lambda c: c.id))


def cards_digest(cards: tuple[Card, ...]) -> str:
    """A short hash of the cards' text: the key of cached card embeddings."""
    h = hashlib.sha256()
    for c in cards:
        h.update(c.id.encode() + b"\0" + c.text().encode() + b"\0")
    return h.hexdigest()[:16]
