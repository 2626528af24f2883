"""SVG drawing of a placed schematic (symbols, wires, junction dots, net labels) and PNG export.

The SVG is drawn in grid units inside one scaled group (10 px per grid unit), so the geometry
is exactly the layout's: what layout_quality measured is what is shown.
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from .design import Design
from .layout import Layout, NetLabel, _DIR, _on_seg
from .symbols import FONT, text_width

__all__ = ["render_svg", "svg_to_png", "SCALE"]

SCALE = 10            # SVG px per grid unit
PAD = 4               # grid units of white space around the drawing
INK = "#1b1b1b"
WIRE = "#0b6e4f"
BOX_FILL = "#fff8e1"
UNUSED = "#9a9a9a"    # names of box pins that no net uses
LABEL = {"ground": "#1b1b1b", "power": "#b3261e", "signal": "#1a4fa0"}
FONT_FAMILY = "DejaVu Sans, Arial, Helvetica, sans-serif"


def _f(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


def _text(x, y, s, size=FONT, anchor="start", color=INK, weight="") -> str:
    w = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" text-anchor="{anchor}" '
            f'fill="{color}"{w}>{escape(s)}</text>')


def _prim(p: tuple) -> str:
    k = p[0]
    if k == "line":
        return f'<line x1="{_f(p[1])}" y1="{_f(p[2])}" x2="{_f(p[3])}" y2="{_f(p[4])}"/>'
    if k == "poly":
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in p[1])
        tag = "polygon" if p[2] else "polyline"
        fill = INK if p[3] else "none"
        return f'<{tag} points="{pts}" fill="{fill}"/>'
    if k == "circle":
        fill = INK if p[4] else "none"
        return f'<circle cx="{_f(p[1])}" cy="{_f(p[2])}" r="{_f(p[3])}" fill="{fill}"/>'
    if k == "rect":
        return (f'<rect x="{_f(p[1])}" y="{_f(p[2])}" width="{_f(p[3] - p[1])}" '
                f'height="{_f(p[4] - p[2])}" fill="{BOX_FILL}" stroke-width="0.25"/>')
    if k == "text":
        weight = p[6] if len(p) > 6 else ""
        return _text(p[1], p[2], p[3], p[4], p[5], weight=weight)
    return ""


def _label(lb: NetLabel) -> list[str]:
    """SVG of one net label; its extent is layout.label_geometry's rectangle."""
    x, y = lb.x, lb.y
    dx, dy = _DIR[lb.facing]
    c = LABEL[lb.kind]
    out = []
    if lb.kind == "ground":
        if lb.facing in ("left", "right"):
            ax = x + 1.5 * dx
            out.append(f'<polyline points="{_f(x)},{_f(y)} {_f(ax)},{_f(y)} {_f(ax)},{_f(y + 1)}" fill="none"/>')
            gx, gy, s = ax, y + 1, 1
        else:
            s = 1 if lb.facing == "down" else -1
            out.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x)}" y2="{_f(y + s * 1.2)}"/>')
            gx, gy = x, y + s * 1.2
        for i, half in enumerate((1.4, 0.9, 0.4)):
            yy = gy + s * 0.55 * i
            out.append(f'<line x1="{_f(gx - half)}" y1="{_f(yy)}" x2="{_f(gx + half)}" y2="{_f(yy)}"/>')
        return out
    w = text_width(lb.text, FONT)
    if lb.kind == "power":
        ax, ay = x + dx * 1.0, y + dy * 1.0
        out.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(ax)}" y2="{_f(ay)}" stroke="{c}"/>')
        if lb.facing in ("up", "down"):
            out.append(f'<line x1="{_f(ax - 1.2)}" y1="{_f(ay)}" x2="{_f(ax + 1.2)}" y2="{_f(ay)}" '
                       f'stroke="{c}" stroke-width="0.3"/>')
            ty = ay - 0.5 if lb.facing == "up" else ay + FONT + 0.3
            out.append(_text(ax, ty, lb.text, FONT, "middle", c, "bold"))
        else:
            out.append(f'<line x1="{_f(ax)}" y1="{_f(y - 1)}" x2="{_f(ax)}" y2="{_f(y + 1)}" '
                       f'stroke="{c}" stroke-width="0.3"/>')
            tx = ax + dx * 0.4
            out.append(_text(tx, y + FONT / 2 - 0.15, lb.text, FONT, "start" if dx > 0 else "end", c, "bold"))
        return out
    # signal: a tag with the net name
    lead = 1.0
    if lb.facing in ("left", "right"):
        x0 = x + dx * lead
        x1 = x0 + dx * (w + 1.6)
        tip = x0
        body0 = x0 + dx * 0.8
        out.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x0)}" y2="{_f(y)}" stroke="{c}"/>')
        pts = [(tip, y), (body0, y - 1), (x1, y - 1), (x1, y + 1), (body0, y + 1)]
        out.append(f'<polygon points="{" ".join(f"{_f(a)},{_f(b)}" for a, b in pts)}" '
                   f'fill="#eef3fb" stroke="{c}" stroke-width="0.15"/>')
        out.append(_text((body0 + x1) / 2, y + FONT / 2 - 0.15, lb.text, FONT, "middle", c))
    else:
        y0 = y + dy * lead
        hh = FONT + 1.0
        yb = y0 + dy * hh
        half = max(w + 1.6, 2.4) / 2
        out.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x)}" y2="{_f(y0)}" stroke="{c}"/>')
        top, bot = min(y0, yb), max(y0, yb)
        out.append(f'<rect x="{_f(x - half)}" y="{_f(top)}" width="{_f(2 * half)}" height="{_f(bot - top)}" '
                   f'rx="0.5" fill="#eef3fb" stroke="{c}" stroke-width="0.15"/>')
        out.append(_text(x, (top + bot) / 2 + FONT / 2 - 0.15, lb.text, FONT, "middle", c))
    return out


def _wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    """Greedy word wrap; the last line ends with an ellipsis when text is left over."""
    words = text.split()
    lines: list[str] = []
    cur = ""
    for i, wd in enumerate(words):
        if cur and len(cur) + 1 + len(wd) > width:
            lines.append(cur)
            cur = wd
            if len(lines) == max_lines:
                lines[-1] = lines[-1][: max(width - 1, 1)] + "…"
                return lines
        else:
            cur = f"{cur} {wd}" if cur else wd
    if cur:
        lines.append(cur[:width] if len(cur) > width else cur)
    return lines


def junctions(layout: Layout) -> list[tuple[float, float]]:
    """Points where three or more wire ends of one net meet, or a wire ends on another's side."""
    by_net: dict[str, list] = {}
    for t in layout.traces:
        by_net.setdefault(t.net, []).extend(t.segments())
    dots = []
    for segs in by_net.values():
        ends: dict[tuple[float, float], int] = {}
        for s in segs:
            for pt in ((s[0], s[1]), (s[2], s[3])):
                ends[pt] = ends.get(pt, 0) + 1
        for pt, k in ends.items():
            inner = sum(1 for s in segs if _on_seg(pt[0], pt[1], s) and pt not in ((s[0], s[1]), (s[2], s[3])))
            if k + 2 * inner >= 3:
                dots.append(pt)
    return dots


def render_svg(design: Design, lib, layout: Layout) -> str:
    """The schematic as an SVG document (text)."""
    b = layout.bounds()
    tsize = FONT * 1.3
    # the title wraps to the drawing's width (at least 40 characters a line), three lines at most
    lines = _wrap(design.title or "", max(40, int((b[2] - b[0]) / text_width("x", tsize))))
    top_extra = 1.6 + 2.0 * len(lines) if lines else 0
    x0, y0 = b[0] - PAD, b[1] - PAD - top_extra
    w = max((b[2] - b[0]), max([text_width(t, tsize) for t in lines] + [0])) + 2 * PAD
    h = (b[3] - b[1]) + 2 * PAD + top_extra
    W, H = w * SCALE, h * SCALE
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(W)}" height="{_f(H)}" '
           f'viewBox="0 0 {_f(W)} {_f(H)}" font-family="{FONT_FAMILY}">',
           f'<rect width="{_f(W)}" height="{_f(H)}" fill="#ffffff"/>',
           f'<g transform="scale({SCALE}) translate({_f(-x0)},{_f(-y0)})" stroke-linecap="round" '
           f'stroke-linejoin="round">']
    for i, line in enumerate(lines):
        out.append(_text(b[0], y0 + PAD / 2 + tsize + 2.0 * i, line, tsize, "start", INK, "bold"))
    # wires below symbols
    out.append(f'<g stroke="{WIRE}" stroke-width="0.22" fill="none">')
    for t in layout.traces:
        pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in t.points)
        out.append(f'<polyline points="{pts}"><title>{escape(t.net)}</title></polyline>')
    out.append("</g>")
    out.append(f'<g fill="{WIRE}">')
    for x, y in junctions(layout):
        out.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="0.45"/>')
    out.append("</g>")
    used = {p for n in design.nets for p in n.pins}
    for pp in layout.parts.values():
        out.append(f'<g transform="translate({_f(pp.x)},{_f(pp.y)})" stroke="{INK}" stroke-width="0.2" '
                   f'fill="none"><title>{escape(pp.ref)} ({escape(pp.part)})</title>')
        for p in pp.symbol.prims:
            s = _prim(p)
            if p[0] == "text":
                s = s.replace("<text ", '<text stroke="none" ', 1)
                if pp.symbol.is_box and p[3] in pp.symbol.pins and f"{pp.ref}:{p[3]}" not in used:
                    s = s.replace(f'fill="{INK}"', f'fill="{UNUSED}"', 1)  # unused pins recede
            out.append(s)
        for i, line in enumerate(pp.text):
            tx, ty, anchor = pp.text_pos
            out.append(_text(tx, ty + 1.6 * i, line, FONT, anchor, INK, "bold" if i == 0 else "")
                       .replace("<text ", '<text stroke="none" ', 1))
        out.append("</g>")
    out.append(f'<g stroke="{INK}" stroke-width="0.2" fill="none">')
    for lb in layout.labels:
        for s in _label(lb):
            if s.startswith("<text"):
                s = s.replace("<text ", '<text stroke="none" ', 1)
            out.append(s)
    out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def svg_to_png(svg: str, path: str | Path, scale: float = 1.5) -> Path:
    """Render SVG text to a PNG file (cairosvg), written atomically."""
    import cairosvg

    from eda.fileio import atomic_write

    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale, background_color="white")
    return atomic_write(path, png)
