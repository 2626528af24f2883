"""KiCad netlists, XML form (Eeschema "generic netlist" export): format `kicad-xml`.

`<export version="E"><design>...</design><components><comp ref="R1"><value>10k</value>...`
`<nets><net code="1" name="/in" class="Default"><node ref="R1" pin="1" pintype="passive"/>`.
KiCad builds both the XML and the S-expression netlist from one tree, so this module maps XML to
the S-expression tree (an attribute `k="v"` is the child `(k v)`, text is a bare atom) and lets
`kicad.circuit_from_tree` / `kicad.tree_from_circuit` do the rest; the IR is the same as `kicad`.
"""
from __future__ import annotations

import re

from lxml import etree

from ..errors import NetlistError
from ..ir import Circuit
from .kicad import circuit_from_tree, kicad_lossy, tree_from_circuit
from .registry import Format, register
from .sexpr import SList

__all__ = ["read_kicad_xml", "write_kicad_xml", "sniff_kicad_xml", "xml_to_tree", "tree_to_xml"]

# Which single-value children KiCad writes as XML attributes, per element.
ATTRS: dict[str, frozenset] = {k: frozenset(v) for k, v in {
    "export": ("version",), "comp": ("ref",), "libsource": ("lib", "part", "description"),
    "sheetpath": ("names", "tstamps"), "field": ("name",), "libpart": ("lib", "part"),
    "pin": ("num", "name", "type"), "library": ("logical",), "net": ("code", "name", "class"),
    "node": ("ref", "pin", "pinfunction", "pintype"), "property": ("name", "value"),
    "sheet": ("number", "name", "tstamps"), "comment": ("number", "value"), "textvar": ("name",),
    "variant": ("name",), "unit": ("name",), "units": ("name",),
}.items()}

_BAD_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_to_tree(el) -> SList:
    """The S-expression-shaped tree of an lxml element (comments and PIs skipped)."""
    node = SList([el.tag])
    node.line, node.col = el.sourceline, None
    for k, v in el.attrib.items():
        sub = SList([k, v])
        sub.line = el.sourceline
        node.append(sub)
    if el.text:
        if len(el) == 0:
            node.append(el.text)            # leaf text is kept exactly
        elif el.text.strip():
            node.append(el.text.strip())    # text beside child elements: drop the indentation
    for child in el:
        if isinstance(child.tag, str):
            node.append(xml_to_tree(child))
    return node


def read_kicad_xml(text: str, path: str = "<input>") -> Circuit:
    """Read a KiCad XML netlist."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                             remove_comments=True, remove_pis=True)
    try:
        data = text.encode("utf-8")
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line, col = (e.position if getattr(e, "position", None) else (e.lineno, None))
        msg = str(e.msg if getattr(e, "msg", None) else e)
        msg = re.sub(r",\s*line \d+,\s*column \d+\s*$", "", msg)
        raise NetlistError(f"XML syntax error: {msg}", path, line or 1, col) from None
    except (ValueError, etree.LxmlError) as e:
        raise NetlistError(f"not a readable XML document: {e}", path, 1, 1) from None
    if root is None or not isinstance(root.tag, str):
        raise NetlistError("empty XML document", path, 1, 1)
    if root.tag != "export":
        raise NetlistError(f"expected a KiCad netlist <export>, found <{root.tag}>", path,
                           root.sourceline, None)
    try:
        tree = xml_to_tree(root)
    except RecursionError:
        raise NetlistError("XML elements nested too deep", path, root.sourceline, None) from None
    return circuit_from_tree(tree, path, "kicad-xml")


def _clean(s) -> str:
    return _BAD_XML_CHARS.sub("", str(s))


def tree_to_xml(node, parent=None):
    """An lxml element for a KiCad tree node (None when the keyword is not a valid XML name)."""
    tag = node[0] if node and isinstance(node[0], str) else None
    if tag is None:
        return None
    try:
        el = etree.Element(tag) if parent is None else etree.SubElement(parent, tag)
    except ValueError:
        return None
    attrs = ATTRS.get(tag, frozenset())
    texts = []
    for x in node[1:]:
        if isinstance(x, str):
            texts.append(_clean(x))
        elif (isinstance(x, list) and len(x) == 2 and isinstance(x[0], str)
              and isinstance(x[1], str) and x[0] in attrs):
            el.set(x[0], _clean(x[1]))
        elif isinstance(x, list):
            tree_to_xml(x, el)
    if texts:
        el.text = " ".join(texts)
    return el


def write_kicad_xml(circuit: Circuit) -> str:
    """A KiCad (version E) XML netlist of the circuit's top level."""
    root = tree_to_xml(tree_from_circuit(circuit))
    return etree.tostring(root, pretty_print=True, xml_declaration=True,
                          encoding="UTF-8").decode("utf-8")


def sniff_kicad_xml(head: str, path: str) -> int:
    h = head.lstrip("\ufeff \t\r\n")
    if not h.startswith("<"):
        return 0
    return 90 if re.search(r"<export[\s>]", h[:2000]) else 0


register(Format(
    name="kicad-xml", extensions=(".xml",), reader=read_kicad_xml, writer=write_kicad_xml,
    sniff=sniff_kicad_xml, description="KiCad XML netlist (Eeschema generic netlist export)",
    drops="subcircuit definitions, .model cards, directives, component parameters and SPICE "
          "source arguments (top-level components, values and connectivity are kept)",
    aliases=("kicad_xml",), lossy=kicad_lossy))
