"""CircuitGCL parasitic estimation: net ground-capacitance classes and net-pair coupling capacitance
predicted from a gate-level netlist, labelled by extracted SPEF (see models/parasitic/README in the
main README's "Parasitic estimation" section)."""
