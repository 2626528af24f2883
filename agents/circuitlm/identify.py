"""Stage 1: which library parts a prompt asks for, and how many.

Two sources, merged with the text as the judge:
- a deterministic scan of the prompt: the longest word windows that are a library id, name or alias
  ("Arduino Uno", "7-segment displays", "N-channel MOSFET"), the count before them ("two LEDs",
  "3 soil moisture sensors", plurals = 2), a value ("220 ohm resistor"), model variants glued to a
  match ("ESP32-S3" -> the library's ESP32 with a note), and product names that match nothing
  ("Raspberry Pi 5": unresolved, so `pinout.retrieve` stops the run);
- the LLM, asked for library ids from a short candidate list (the scan's parts plus the parts closest
  in meaning to the prompt). A part only the LLM names is kept when the prompt supports it (among the
  closest parts by embedding similarity); counts and values always come from the text.
"""
from __future__ import annotations

import re

from pydantic import BaseModel, Field

from eda.errors import EdaError

from .llm import StageLog, ask


class PromptError(EdaError):
    """The prompt cannot start a design (empty, or names no part at all)."""


class Requested(BaseModel):
    """One part the prompt asks for; `part` is the library id (None: not in the library)."""

    name: str = Field(description="the words of the prompt (or the LLM's id)")
    qty: int = 1
    value: str | None = None
    part: str | None = None
    method: str | None = Field(default=None, description="exact | fuzzy | family | embedding | llm")
    note: str | None = Field(default=None, description="set when the part is an approximation")
    source: str = "prompt"


NUMBERS = {"a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "dual": 2, "pair": 2, "couple": 2, "three": 3,
           "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "multiple": 2, "several": 3}
BREAKS = {"with", "and", "or", "to", "from", "via", "using", "plus", "for", "on", "in", "of", "by", "as"}
REFERS = {"the", "its", "this", "that", "same", "their"}
# single words that name a part only as a feature or a category ("ESP32 with WiFi", "a microcontroller")
WEAK_WORDS = {"wifi", "bluetooth", "microcontroller", "power", "ac", "power source", "output", "relay output",
              "transistor"}
VARIANTS = {"nano", "mega", "micro", "mini", "pro", "leonardo", "due", "zero", "wroom", "wrover", "pico", "s2",
            "s3", "c3", "c6", "h2", "r4", "plus", "max"}
# capitalised words that are protocols, units or generic terms, never a part of their own
NOT_PARTS = {"i2c", "spi", "uart", "usb", "pwm", "adc", "dac", "gpio", "ac", "dc", "ir", "rf", "rgb", "oled",
             "lcd", "led", "leds", "wifi", "ble", "gnd", "vcc", "vin", "sda", "scl", "tx", "rx", "io", "iot",
             "n", "p", "v", "mosfet", "bjt", "npn", "pnp", "ic", "mcu", "sd", "gps", "gsm", "rfid", "nfc", "lora",
             "if", "when", "it", "also", "then", "use", "add", "include", "power", "display", "the", "a", "an"}
_VALUE = re.compile(r"^\d+(\.\d+)?\s*(k|m|meg|u|n|p|µ)?\s*(ohm|ohms|Ω|r|f|uf|nf|pf|h|mh|uh|v)?$", re.I)
_TOKEN = re.compile(r"[A-Za-z0-9µΩ]+(?:\.[0-9]+[A-Za-z]*)?")


def _names(lib) -> dict[str, str]:
    """key(name) -> part id over ids, names, aliases and the library's alias overrides."""
    from eda.kb.resolve import key
    out: dict[str, str] = {}
    for p in lib:
        for n in (p.id, p.name, *p.aliases):
            out.setdefault(key(n), p.id)
    for p in lib:
        out[key(p.id)] = p.id
    for alias, pid in getattr(lib, "alias_overrides", {}).items():
        out[key(alias)] = pid
    return out


def _exact_id(phrase: str, names: dict[str, str]) -> str | None:
    from eda.kb.resolve import _singular, clean_words, key, words
    if phrase.lower() in WEAK_WORDS:
        return None
    for cand in (phrase, " ".join(clean_words(phrase)), " ".join(_singular(w) for w in words(phrase))):
        k = key(cand)
        if k and k in names and cand.lower() not in WEAK_WORDS:
            return names[k]
    return None


def _qty_before(toks: list[str], start: int, taken: set[int]) -> tuple[int | None, str | None, bool]:
    """(count, value, refers back) from up to three words before a match."""
    qty, value, refers = None, None, False
    for j in range(start - 1, max(-1, start - 4), -1):
        if j in taken:
            break
        w = toks[j].lower()
        if w in BREAKS:
            break
        if w in REFERS:
            refers = True
            break
        if w.isdigit() and 0 < int(w) <= 16 and qty is None:
            qty = int(w)
        elif w in NUMBERS and qty is None:
            qty = NUMBERS[w]
        elif _VALUE.match(w) and value is None and not w.isdigit():
            value = toks[j]
        elif j + 1 < len(toks) and w.isdigit() and toks[j + 1].lower() in ("ohm", "ohms", "k", "Ω"):
            value = toks[j] + toks[j + 1]
    return qty, value, refers


def _edge_ok(tok: str) -> bool:
    from eda.kb.resolve import _STOP
    w = tok.lower()
    return not (w in NUMBERS or w in REFERS or w in BREAKS or w in _STOP or w.isdigit() or _VALUE.match(w))


def scan(prompt: str, lib) -> list[Requested]:
    """The deterministic reading of a prompt (see the module doc), in order of first mention."""
    from eda.kb.resolve import key
    names = _names(lib)
    spans = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(prompt)]
    toks = [s[0] for s in spans]
    taken: set[int] = set()
    found: list[tuple[int, Requested]] = []
    for n in range(5, 0, -1):
        for i in range(0, len(toks) - n + 1):
            if any(k in taken for k in range(i, i + n)):
                continue
            phrase = " ".join(toks[i:i + n])
            pid = names.get(key(phrase)) if phrase.lower() not in WEAK_WORDS else None   # "18650 battery"
            if pid is None:
                if not _edge_ok(toks[i]) or not _edge_ok(toks[i + n - 1]):
                    continue               # counts, values and little words stay outside a match
                pid = _exact_id(phrase, names)
            if pid is None:
                continue
            text = prompt[spans[i][1]:spans[i + n - 1][2]]
            req = Requested(name=text, part=pid, method="exact")
            end = i + n
            # a model variant glued to the match: "ESP32-S3", "Arduino Nano"
            if end < len(toks) and toks[end].lower() in VARIANTS and end not in taken:
                longer = prompt[spans[i][1]:spans[end][2]]
                res = lib.resolve(longer, embeddings=False)
                if res is None or not res.exact:
                    req.name = longer
                    req.method = res.method if res is not None else "family"
                    req.note = (res.note if res is not None and res.note else
                                f"'{longer}' is not in the library; using {pid}, the closest family member: "
                                "check pins and ratings")
                    end += 1
            taken.update(range(i, end))
            qty, value, refers = _qty_before(toks, i, taken)
            last = toks[end - 1].lower()
            plural = last.endswith("s") and not last.endswith("ss") and _exact_id(toks[end - 1][:-1], names)
            if refers:
                req.qty = 0
            else:
                req.qty = qty if qty is not None else (2 if plural else 1)
            req.value = value
            found.append((i, req))
    found.sort(key=lambda t: t[0])
    merged: dict[str, Requested] = {}
    for _, r in found:
        part = lib.get(r.part)
        if r.part in merged:               # mentioned again ("a GPS ... the GPS module"): the largest count
            m = merged[r.part]
            m.qty = 1 if part.kind == "mcu" else max(m.qty, r.qty)
            m.value = m.value or r.value
            m.note = m.note or r.note
        else:
            r.qty = 1 if part.kind == "mcu" else max(r.qty, 1)   # a first mention never refers back
            merged[r.part] = r
    out = [r for r in merged.values() if r.qty > 0]
    out += _unknown_names(prompt, spans, taken, lib, set(merged))
    return out


def _unknown_names(prompt: str, spans, taken: set[int], lib, known: set[str]) -> list[Requested]:
    """Product-like names no window matched ("Raspberry Pi 5"): resolved loosely, else left unknown."""
    out = []
    sentence_start = {0}
    for k in range(1, len(spans)):
        if re.search(r"[.!?:;]\s*$", prompt[spans[k - 1][2]:spans[k][1]] or ""):
            sentence_start.add(k)
    run: list[int] = []

    def proper(k: int) -> bool:
        t = spans[k][0]
        if k in taken or t.lower() in NOT_PARTS or k in sentence_start:
            return False
        model = bool(re.search(r"[A-Za-z]", t) and re.search(r"\d", t) and len(t) >= 4 and
                      not _VALUE.match(t) and not re.match(r"^\d+(\.\d+)?[A-Za-z]{1,3}$", t))
        return t[:1].isupper() or model

    def flush() -> None:
        if not run:
            return
        words = [spans[k][0] for k in run]
        if run[-1] + 1 in taken or max(len(w) for w in words) < 3:
            run.clear()                    # a modifier of a matched part ("PS2 joystick"), or "R, G"
            return
        has_model = any(re.search(r"[A-Za-z]", w) and re.search(r"\d", w) for w in words)
        if len(run) >= 2 or has_model:
            name = prompt[spans[run[0]][1]:spans[run[-1]][2]]
            res = lib.resolve(name)
            if res is None:
                out.append(Requested(name=name, part=None, method=None))
            elif res.method in ("fuzzy", "family") and res.id not in known:
                out.append(Requested(name=name, part=res.id, method=res.method, note=res.note))
        run.clear()

    for k in range(len(spans)):
        if proper(k) or (run and spans[k][0].isdigit() and len(spans[k][0]) <= 2):
            run.append(k)
        else:
            flush()
    flush()
    return out


SUPPORT_PARTS = ("resistor", "capacitor", "led", "push-button", "diode", "mosfet", "potentiometer")


def lexical_support(part, prompt: str) -> bool:
    """True when a distinctive word of the part's id or aliases occurs in the prompt."""
    from eda.kb.resolve import GENERIC_WORDS, _singular, words
    said = {_singular(w) for w in words(prompt)}
    for name in (part.id, *part.aliases):
        for w in re.split(r"[^a-z0-9]+", name.lower()):
            if len(w) >= 3 and w not in GENERIC_WORDS and _singular(w) in said:
                return True
    return False


def identify(prompt: str, client, lib, *, log: StageLog | None = None, candidates: int = 6,
             support_k: int = 3, support_score: float = 0.45) -> list[Requested]:
    """The parts `prompt` asks for: the scan, plus LLM-named parts the prompt supports (module doc).

    Candidates for the LLM: the scanned parts plus common helpers; when the scan finds nothing, the
    parts closest in meaning (MiniLM), which are also the fallback when the LLM adds nothing usable.
    An LLM-named part is kept when a distinctive word of it is in the prompt, or it is one of the
    closest parts by meaning.
    """
    prompt = (prompt or "").strip()
    if not prompt:
        raise PromptError("empty prompt: describe the circuit, e.g. 'Blink an LED with an Arduino Uno'")
    found = scan(prompt, lib)
    known = [r.part for r in found if r.part]
    hits, supported = [], set()
    if not known:                          # only then load the embedding model
        hits = lib.search(prompt, k=max(candidates, support_k))
        supported = {p.id for p, s in hits[:support_k] if s >= support_score}
    extra = [p.id for p, _ in hits[:candidates]] or [x for x in SUPPORT_PARTS if x in lib]
    cands = list(dict.fromkeys(known + extra))[: max(candidates, len(known) + 3)]
    llm_ids: list[str] = []
    unknown = [r for r in found if not r.part]
    if client is not None and cands and not unknown:     # an unknown part stops the run anyway
        schema = {"type": "object", "additionalProperties": False, "required": ["parts"],
                  "properties": {"parts": {"type": "array", "maxItems": 6, "minItems": 1,
                                           "items": {"type": "string", "enum": cands}}}}
        doc = ask(client, "identify",
                  "You pick the parts of an electronics project from a component library. Answer with "
                  "JSON: the library ids of the parts the project needs.",
                  f"Project: {prompt}\nLibrary ids: {', '.join(cands)}", schema, max_tokens=70, log=log)
        llm_ids = list(dict.fromkeys(doc["parts"])) if doc else []
    added, ignored = [], []
    for pid in llm_ids:
        if pid in known:
            continue
        if pid in supported or lexical_support(lib.get(pid), prompt):
            found.append(Requested(name=pid, part=pid, method="llm", source="llm"))
            added.append(pid)
        else:
            ignored.append(pid)
    if not found:                          # nothing named: parts a distinctive word points at, or close in meaning
        found = [Requested(name=p.id, part=p.id, method="lexical", source="search",
                           note=f"the prompt names no library part; using {p.id} (a word of it is in the prompt)")
                 for p in lib if lexical_support(p, prompt)][:4]
        found += [Requested(name=p.id, part=p.id, method="embedding", source="search",
                            note=f"the prompt names no library part; using {p.id} (similarity {s:.2f})")
                  for p, s in hits[:support_k] if p.id in supported and p.id not in {r.part for r in found}]
    kinds = {lib.get(r.part).kind for r in found if r.part}
    if found and "mcu" not in kinds and not any(r.part is None for r in found) and (
            re.search(r"\b(micro-?controller|mcu)s?\b", prompt, re.I) or
            any(lib.get(r.part).pins_of_type("i2c_sda", "uart_tx", "spi") for r in found if r.part)):
        default = "arduino-uno"            # a controller is asked for (or the parts talk a bus) but none named
        found.insert(0, Requested(name="microcontroller", part=default, method="default", source="default",
                                  note=f"no controller named: using {default}"))
    if log is not None:
        log.add("identify", kind="deterministic", scan=[r.model_dump() for r in found if r.source == "prompt"],
                llm_added=added, llm_ignored=ignored, supported=sorted(supported))
    if not found:
        raise PromptError("the prompt names no part of the component library (e.g. 'Arduino Uno', 'LED', "
                          "'DHT22'); nothing to design")
    return found
