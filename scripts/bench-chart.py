#!/usr/bin/env python3
"""Draws docs/bench-okta-time.svg: Okta time (virtual hours) vs users, for xaas and the Workflows way,
from the JSON lines of `xaas bench okta-time --strategy workflows --json` (one file per size).

usage: scripts/bench-chart.py OUT.svg RUN.jsonl [RUN.jsonl …]

No third-party modules. Log-scale user axis; one line per (way, phase).
"""
import json, math, sys

out_path, inputs = sys.argv[1], sys.argv[2:]
points = {}  # (way, phase) -> [(users, hours)]
for path in inputs:
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            for way in ("xaas", "workflows"):
                if way in row:
                    points.setdefault((way, row["phase"]), []).append((row["users"], row[way]["oktaSeconds"] / 3600))
if not points:
    sys.exit("no okta-time rows in the input")

W, H, L, R, T, B = 720, 420, 70, 190, 40, 50
users = sorted({u for series in points.values() for u, _ in series})
top = max(h for series in points.values() for _, h in series) or 1
ymax = 10 ** math.ceil(math.log10(top)) if top > 0 else 1
if ymax / 2 >= top:
    ymax /= 2
lo, hi = math.log10(min(users)), math.log10(max(users))
span = (hi - lo) or 1


def x(u):
    return L + (math.log10(u) - lo) / span * (W - L - R)


def y(h):
    return T + (1 - h / ymax) * (H - T - B)


colors = {"xaas": "#1f77b4", "workflows": "#d62728"}
dashes = {"initial": "", "nochange": "6,3", "delta": "2,3"}
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="22" font-size="14">Okta time (hours, virtual clock) vs users — xaas bench okta-time</text>',
       f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>']
for u in users:
    svg.append(f'<text x="{x(u):.1f}" y="{H - B + 18}" text-anchor="middle">{u:,}</text>')
for i in range(6):
    h = ymax * i / 5
    svg.append(f'<line x1="{L - 4}" y1="{y(h):.1f}" x2="{W - R}" y2="{y(h):.1f}" stroke="#ddd"/>')
    svg.append(f'<text x="{L - 8}" y="{y(h) + 4:.1f}" text-anchor="end">{h:g}</text>')
svg.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">users (log scale)</text>')
legend_y = T + 10
for (way, phase), series in sorted(points.items()):
    series.sort()
    path = " ".join(f"{x(u):.1f},{y(h):.1f}" for u, h in series)
    dash = f' stroke-dasharray="{dashes.get(phase, "")}"' if dashes.get(phase) else ""
    svg.append(f'<polyline points="{path}" fill="none" stroke="{colors[way]}" stroke-width="2"{dash}/>')
    for u, h in series:
        svg.append(f'<circle cx="{x(u):.1f}" cy="{y(h):.1f}" r="3" fill="{colors[way]}"/>')
    svg.append(f'<line x1="{W - R + 15}" y1="{legend_y}" x2="{W - R + 45}" y2="{legend_y}" stroke="{colors[way]}" stroke-width="2"{dash}/>')
    svg.append(f'<text x="{W - R + 50}" y="{legend_y + 4}">{way} {phase}</text>')
    legend_y += 20
svg.append("</svg>")
with open(out_path, "w") as f:
    f.write("\n".join(svg) + "\n")
print(f"wrote {out_path}")
