"""Shared by the handshake-inspect tests: running it, reading its JSON
document and checking it against the schema kept in docs/schema/."""
import json
import os

import jsonschema

SCHEMA_PATH = os.path.join(os.environ.get("WSKIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                           "docs", "schema", "handshake-inspect.schema.json")
with open(SCHEMA_PATH) as f:
    SCHEMA = json.load(f)
jsonschema.Draft7Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def validated(test, text):
    """Parses one JSON document and fails `test` unless it matches the schema."""
    doc = json.loads(text)
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
    test.assertEqual([f"{list(e.path)}: {e.message}" for e in errors], [], text[:3000])
    return doc


def check(doc, check_id):
    found = [c for c in doc["checks"] if c["id"] == check_id]
    if not found:
        raise AssertionError(f"no check {check_id!r} in {[c['id'] for c in doc['checks']]}")
    return found[0]
