#!/usr/bin/env python3
"""Structural check of spec/vectors/*.json: every file parses, every case is named
uniquely and states an expected result. The cases themselves run in each face's tests."""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).parent / "vectors"
REQUIRED = {
    "signatures.json": {"verify": 30, "sign": 1},
    "retry.json": {"cases": 20},
    "errors.json": {"cases": 20},
    "requests.json": {"cases": 30},
}

problems = []
for name, sections in REQUIRED.items():
    path = HERE / name
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        problems.append(f"{name}: {e}")
        continue
    for section, minimum in sections.items():
        cases = doc.get(section)
        if not isinstance(cases, list) or len(cases) < minimum:
            problems.append(f"{name}: '{section}' needs at least {minimum} cases")
            continue
        names = [c.get("name") for c in cases]
        if len(set(names)) != len(names) or not all(names):
            problems.append(f"{name}: '{section}' case names must be present and unique")
        for c in cases:
            if not any(k in c for k in ("expected", "expected_error", "expected_headers")):
                problems.append(f"{name}: case {c.get('name')!r} has no expected result")
    print(f"{name}: " + ", ".join(f"{len(doc.get(s, []))} {s}" for s in sections))

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
