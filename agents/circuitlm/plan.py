"""Stage 3: the electronics expert. Reference names for the parts, then which microcontroller pin each
signal pin uses, with reasoning, grounded on the retrieved pinouts.

The LLM answers one schema-bound question: `{"reasoning": ..., "connections": [{"from": "LED1:+",
"to": "U1:D13"}, ...]}` where `from` is an enum of the peripherals' signal pins and `to` of the
microcontroller's pins, so every name exists. Each connection is then checked against the pin types
of the knowledge base (I2C to I2C, TX to RX, analog outputs to analog inputs, digital pins to GPIOs,
one signal per GPIO); what fails is kept in `Plan.rejected` with the reason. Accepted connections are
pin *choices*: the synthesis stage builds the circuit around them (series resistors, pull-ups, rails)
and chooses free pins itself for everything the LLM left out.
"""
from __future__ import annotations

from pydantic import BaseModel, Field

from .design import Part, split_pin
from .identify import Requested
from .llm import StageLog, ask

PREFIX = {"mcu": "U", "module": "U", "ic": "U", "driver": "U", "regulator": "U", "charger": "U",
          "level_shifter": "U", "interface": "U", "resistor": "R", "variable_resistor": "R", "potentiometer": "RV",
          "capacitor": "C", "inductor": "L", "led": "LED", "rgb_led": "LED", "led_array": "DS", "diode": "D",
          "npn": "Q", "pnp": "Q", "nmos": "Q", "switch": "SW", "switch_matrix": "KP", "battery": "BT",
          "motor": "M", "load": "LS", "mains": "J"}
PASSIVE_KINDS = {"resistor", "capacitor", "inductor", "potentiometer", "variable_resistor", "battery"}
SIGNAL_TYPES = ("gpio", "analog", "digital", "i2c_sda", "i2c_scl", "uart_tx", "uart_rx", "spi")
# peripheral kinds whose passive pins are driven from a GPIO (through the parts synthesis adds)
DRIVEN_PASSIVE = {"led", "rgb_led", "led_array", "switch", "switch_matrix"}


class Connection(BaseModel):
    """A pin choice: a peripheral pin `a` served by microcontroller pin `b` (both REF:PIN)."""

    a: str
    b: str
    source: str = "llm"


class Plan(BaseModel):
    """Parts with references, the accepted pin choices, and the reasoning behind them."""

    prompt: str = ""
    parts: list[Part] = Field(default_factory=list)
    reasoning: str = ""
    connections: list[Connection] = Field(default_factory=list)
    rejected: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def mcu(self) -> str | None:
        return next((p.ref for p in self.parts if p.role == "controller"), None)


def assign_refs(requested: list[Requested], parts: list) -> list[Part]:
    """One `Part` per instance (quantities expanded), references by kind: U1 (the controller), R1, LED1..."""
    out: list[Part] = []
    used: dict[str, int] = {}
    mcu_seen = False
    pairs = sorted(zip(requested, parts), key=lambda t: t[1].kind != "mcu")   # the controller first: U1
    for req, kb in pairs:
        for _ in range(max(1, req.qty)):
            prefix = PREFIX.get(kb.kind, "U")
            used[prefix] = used.get(prefix, 0) + 1
            role = None
            if kb.kind == "mcu" and not mcu_seen:
                role, mcu_seen = "controller", True
            value = req.value if kb.kind in PASSIVE_KINDS else None
            out.append(Part(ref=f"{prefix}{used[prefix]}", part=kb.id, value=value, role=role))
    return out


def signal_pins(kb) -> list[str]:
    """Pins of a peripheral that a microcontroller pin may serve."""
    if kb.kind == "switch_matrix":
        return kb.unique_pins
    if kb.kind in DRIVEN_PASSIVE:
        return [p.name for p in kb.pins_of_type("passive") if p.direction == "in" or kb.kind in ("led", "switch")
                ][: (1 if kb.kind in ("led", "switch") else None)]
    if kb.kind in ("potentiometer", "variable_resistor"):
        return [p.name for p in kb.pins_of_type("analog")] or [kb.unique_pins[-1]]
    pins = kb.pins_of_type(*SIGNAL_TYPES)
    bus = [p for p in pins if p.type in ("i2c_sda", "i2c_scl", "uart_tx", "uart_rx", "spi")]
    analog_out = [p for p in pins if p.type == "analog" and p.direction == "out"]
    out = []
    for t in ("i2c_sda", "i2c_scl"):                 # the primary I2C pins only (not XDA/XCL, SD0...)
        out += [p.name for p in pins if p.type == t][:1]
    for p in pins:
        if p.type in ("uart_tx", "uart_rx", "spi") or p in analog_out:
            out.append(p.name)
        elif p.type in ("digital", "gpio") and (not (bus or analog_out) or p.name in ("CE", "RST", "DIO0")):
            out.append(p.name)                       # optional pins (INT, AD0, DRDY...) are left to the rules
    return out


def compatible(periph, pin: str, mcu, mpin: str) -> str | None:
    """None when microcontroller pin `mpin` may serve peripheral pin `pin`, else the reason why not."""
    a, b = periph.pin(pin), mcu.pin(mpin)
    if a is None or b is None:
        return "no such pin"
    if b.type in ("power_in", "power_out", "ground", "nc"):
        return f"{mpin} is a {b.type.replace('_', ' ')} pin"
    t = a.type
    if t in ("i2c_sda", "i2c_scl"):
        return None if b.type == t else f"{pin} is I2C {t[4:].upper()}, {mpin} is {b.type}"
    if t == "uart_tx":
        return None if b.type == "uart_rx" else f"TX must go to an RX pin, {mpin} is {b.type}"
    if t == "uart_rx":
        return None if b.type == "uart_tx" else f"RX must go to a TX pin, {mpin} is {b.type}"
    if t == "analog" and a.direction == "out":
        return None if b.type == "analog" and b.direction in ("in", "bidir") else f"{mpin} is no analog input"
    if b.type not in ("gpio", "analog", "digital"):
        return f"{mpin} ({b.type}) cannot serve {pin} ({t})"
    drives_mcu = a.direction == "out"
    if b.direction == "in" and not drives_mcu:
        return f"{mpin} is input-only"
    return None


SYSTEM = ("You are an electronics expert. Wire a circuit: choose the microcontroller pin for each signal pin "
          "of the other parts (I2C SDA/SCL to the I2C pins, TX to RX, analog outputs to analog pins, digital "
          "pins and LEDs to GPIOs). Answer with JSON: short reasoning, then the connections.")


def plan(prompt: str, requested: list[Requested], parts: list, client, *, log: StageLog | None = None,
         max_connections: int = 6) -> Plan:
    """References, LLM pin choices checked against the pin types, and the reasoning (module doc)."""
    refs = assign_refs(requested, parts)
    kb = {p.id: p for p in parts}
    result = Plan(prompt=prompt, parts=refs)
    mcu_ref = result.mcu
    if mcu_ref is None:
        result.notes.append("no microcontroller among the parts: the wiring follows the parts' own rules only")
        return result
    mcu_kb = kb[next(p.part for p in refs if p.ref == mcu_ref)]
    mcu_pins = [p.name for p in mcu_kb.pins_of_type("gpio", "analog", "digital", "i2c_sda", "i2c_scl",
                                                      "uart_tx", "uart_rx")]
    lines, sources = [], []
    for p in refs:
        if p.ref == mcu_ref:
            continue
        pk = kb[p.part]
        sig = signal_pins(pk)
        sources += [f"{p.ref}:{s}" for s in sig]
        lines.append(f"{p.ref} {pk.name}: " + ", ".join(f"{s}({pk.pin(s).type})" for s in sig))
    if not sources or client is None:
        return result
    asked = sources[:max_connections]
    mcu_enum = [f"{mcu_ref}:{m}" for m in mcu_pins]
    # one flat object, one key per signal pin (fixed by the grammar), the value a controller pin: few
    # tokens for a small model to produce, and no pin can be named twice
    schema = {"type": "object", "additionalProperties": False, "required": ["reasoning", *asked],
              "properties": {"reasoning": {"type": "string", "maxLength": 80},
                             **{a: {"type": "string", "enum": mcu_enum} for a in asked}}}
    user = (f"Circuit: {prompt}\nMicrocontroller {mcu_ref} {mcu_kb.name} pins: "
            + ", ".join(f"{m}({mcu_kb.pin(m).type})" for m in mcu_pins) + "\nOther parts (signal pins):\n"
            + "\n".join(lines) + "\nAnswer: reasoning, then for each signal pin the controller pin it goes to.")
    doc = ask(client, "plan", SYSTEM, user, schema, max_tokens=60 + 14 * len(asked), log=log)
    if doc is None:
        result.notes.append("the LLM gave no usable plan: every pin is chosen by the wiring rules")
        return result
    result.reasoning = " ".join(str(doc.get("reasoning", "")).split())
    served: dict[str, str] = {}
    for a in asked:
        b = doc[a]
        ref, pin = split_pin(a)
        _, mpin = split_pin(b)
        pk = kb[next(p.part for p in refs if p.ref == ref)]
        why = compatible(pk, pin, mcu_kb, mpin)
        bus = pk.pin(pin).type in ("i2c_sda", "i2c_scl")
        if why is None and not bus and mpin in served and served[mpin] != a:
            why = f"{mpin} already serves {served[mpin]}"
        if why:
            result.rejected.append(f"{a} -> {b}: {why}")
            continue
        served[mpin] = a
        result.connections.append(Connection(a=a, b=b))
    if log is not None:
        log.add("plan", kind="grounding", accepted=[f"{c.a} -> {c.b}" for c in result.connections],
                rejected=result.rejected)
    return result
