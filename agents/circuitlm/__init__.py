"""CircuitLM: a natural-language request to a checked schematic (Circuit JSON, SVG, PNG, SPICE).

Stages (one module each): identify -> pinout (eda.kb) -> plan -> synthesize -> repair -> validate
-> layout -> draw / circuitjson / spice. `pipeline.run_prompt` chains them; every stage also works
alone on a `design.Design`.
"""
