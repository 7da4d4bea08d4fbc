#!/usr/bin/env python3
"""Validate every sidecar in a library against schemas/*.schema.json (JSON Schema 2020-12).

Usage: scripts/validate-sidecars.py LIBRARY
       scripts/validate-sidecars.py --schema NAME FILE...   (validate files against schemas/NAME.schema.json)
Prints one line per invalid document and exits 1 if there is any; otherwise prints the count.
"""
import json
import os
import sys

from jsonschema import Draft202012Validator, FormatChecker

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = {
    "asset.json": "creative-asset.schema.json",
    "template.json": "creative-template.schema.json",
    "job.json": "generation-job.schema.json",
}


def validator(schema_file):
    with open(os.path.join(HERE, "..", "schemas", schema_file)) as f:
        return Draft202012Validator(json.load(f), format_checker=FormatChecker())


def report(path, document, check):
    problems = 0
    for error in check.iter_errors(document):
        problems += 1
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        print(f"{path}: {where}: {error.message}")
    return problems


def main() -> int:
    if len(sys.argv) >= 4 and sys.argv[1] == "--schema":
        check = validator(sys.argv[2] + ".schema.json")
        bad = 0
        for path in sys.argv[3:]:
            with open(path) as f:
                bad += report(path, json.load(f), check)
        print(f"checked {len(sys.argv) - 3} documents, {bad} problems")
        return 1 if bad else 0
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    library = sys.argv[1]
    validators = {sidecar: validator(schema_file) for sidecar, schema_file in SCHEMAS.items()}
    checked, bad = 0, 0
    for top in ("assets", "templates", "jobs"):
        for folder, dirs, files in os.walk(os.path.join(library, top)):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name not in validators:
                    continue
                path = os.path.join(folder, name)
                checked += 1
                try:
                    with open(path) as f:
                        document = json.load(f)
                except (OSError, ValueError) as error:
                    bad += 1
                    print(f"{path}: not JSON: {error}")
                    continue
                bad += report(path, document, validators[name])
    print(f"checked {checked} sidecars, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
