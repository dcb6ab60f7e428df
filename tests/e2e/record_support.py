"""Shared by the --record end-to-end tests (connect/, listen/, proxy/):
reading a recording back and checking it. An NDJSON recording is checked
line by line against docs/schema/events.schema.json (Draft 7, as --json's
events); a HAR against the parts of HAR 1.2 that every entry must have
(http://www.softwareishard.com/blog/har-12-spec/) plus the WebSocket fields
Chromium's devtools export (_resourceType, _webSocketMessages) and wskit's
own _webSocketClose."""
import base64
import json
import os
import stat
import subprocess
import time

import jsonschema

from harness import WSKIT, Process

EVENTS_SCHEMA_PATH = os.path.join(
    os.environ.get("WSKIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
    "docs", "schema", "events.schema.json")
with open(EVENTS_SCHEMA_PATH) as f:
    EVENTS_SCHEMA = json.load(f)
jsonschema.Draft7Validator.check_schema(EVENTS_SCHEMA)
EVENTS = jsonschema.Draft7Validator(EVENTS_SCHEMA)

_NAME_VALUE = {"type": "object", "required": ["name", "value"],
               "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}
_NAME_VALUES = {"type": "array", "items": _NAME_VALUE}
# HAR 1.2's required fields of a log and of each entry, and the WebSocket
# fields of a websocket entry.
HAR_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["log"],
    "properties": {"log": {
        "type": "object",
        "required": ["version", "creator", "entries"],
        "properties": {
            "version": {"const": "1.2"},
            "creator": {"type": "object", "required": ["name", "version"],
                        "properties": {"name": {"const": "wskit"}, "version": {"type": "string"}}},
            "pages": {"type": "array"},
            "entries": {"type": "array", "items": {
                "type": "object",
                "required": ["startedDateTime", "time", "request", "response", "cache", "timings",
                             "_resourceType", "_webSocketMessages"],
                "properties": {
                    "startedDateTime": {"type": "string",
                                        "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"},
                    "time": {"type": "number", "minimum": 0},
                    "request": {
                        "type": "object",
                        "required": ["method", "url", "httpVersion", "cookies", "headers", "queryString",
                                     "headersSize", "bodySize"],
                        "properties": {"method": {"const": "GET"}, "url": {"type": "string", "pattern": "^wss?://"},
                                       "httpVersion": {"type": "string"}, "cookies": {"type": "array"},
                                       "headers": _NAME_VALUES, "queryString": _NAME_VALUES,
                                       "headersSize": {"type": "integer"}, "bodySize": {"type": "integer"}}},
                    "response": {
                        "type": "object",
                        "required": ["status", "statusText", "httpVersion", "cookies", "headers", "content",
                                     "redirectURL", "headersSize", "bodySize"],
                        "properties": {"status": {"const": 101}, "statusText": {"type": "string"},
                                       "httpVersion": {"type": "string"}, "cookies": {"type": "array"},
                                       "headers": _NAME_VALUES,
                                       "content": {"type": "object", "required": ["size", "mimeType"]},
                                       "redirectURL": {"type": "string"},
                                       "headersSize": {"type": "integer"}, "bodySize": {"type": "integer"}}},
                    "cache": {"type": "object"},
                    "timings": {"type": "object", "required": ["send", "wait", "receive"]},
                    "_resourceType": {"const": "websocket"},
                    "_webSocketMessages": {"type": "array", "items": {
                        "type": "object", "required": ["type", "time", "opcode", "data"],
                        "properties": {"type": {"enum": ["send", "receive"]}, "time": {"type": "number"},
                                       "opcode": {"enum": [1, 2]}, "data": {"type": "string"}},
                        "additionalProperties": False}},
                    "_webSocketClose": {
                        "type": "object", "required": ["code", "reason", "by", "clean"],
                        "properties": {"code": {"type": "integer"}, "reason": {"type": "string"},
                                       "by": {"enum": ["client", "server"]}, "clean": {"type": "boolean"}}},
                }}},
        }}},
}
HAR = jsonschema.Draft7Validator(HAR_SCHEMA)


def schema_errors(validator, doc):
    return [f"{list(e.path)}: {e.message}" for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.path))]


def read_ndjson(test, path, role=None, secrets="masked"):
    """The events of an NDJSON recording, each line checked: whole (ends
    with a newline), one JSON object, valid against the events schema. The
    first is the record event (of `role`, `secrets`)."""
    with open(path, "rb") as f:
        data = f.read()
    test.assertTrue(data.endswith(b"\n"), f"{path} does not end with a whole line: {data[-300:]!r}")
    events = []
    for n, line in enumerate(data.decode("utf-8").split("\n")[:-1], 1):
        try:
            event = json.loads(line)
        except ValueError as e:
            raise AssertionError(f"line {n} of {path} is not JSON ({e}): {line[:500]!r}") from None
        test.assertEqual(schema_errors(EVENTS, event), [], f"line {n} of {path}: {line[:1000]}")
        events.append(event)
    test.assertGreater(len(events), 0, f"{path} is empty")
    first = events[0]
    test.assertEqual(first["event"], "record", first)
    test.assertEqual(first["conn"], 0, first)
    test.assertRegex(first["wskit"], r"^\d+\.\d+", first)
    test.assertEqual(first["secrets"], secrets, first)
    if role is not None:
        test.assertEqual(first["role"], role, first)
    test.assertEqual([e for e in events[1:] if e["event"] == "record"], [], "a second record event")
    return events


def read_har(test, path):
    """A HAR recording, checked against HAR_SCHEMA; returns its entries.
    Each message's time must be a plausible epoch (now, give or take a
    minute), and binary data valid base64."""
    with open(path) as f:
        text = f.read()
    try:
        har = json.loads(text)
    except ValueError as e:
        raise AssertionError(f"{path} is not JSON ({e}): {text[:2000]!r}") from None
    test.assertEqual(schema_errors(HAR, har), [], text[:3000])
    now = time.time()
    for entry in har["log"]["entries"]:
        for m in entry["_webSocketMessages"]:
            test.assertLess(abs(m["time"] - now), 120, f"time {m['time']} is not seconds since the epoch: {m}")
            if m["opcode"] == 2:
                base64.b64decode(m["data"], validate=True)
    return har["log"]["entries"]


def headers_of(pairs):
    """[{"name", "value"}...] as {lower-case name: value} (repeats joined
    with ', ')."""
    out = {}
    for h in pairs:
        name = h["name"].lower()
        out[name] = out[name] + ", " + h["value"] if name in out else h["value"]
    return out


def messages(events, **fields):
    """The message events with these fields, as (dir, opcode, text or
    decoded base64 bytes)."""
    out = []
    for e in events:
        if e["event"] != "message" or any(e.get(k) != v for k, v in fields.items()):
            continue
        payload = e["text"] if "text" in e else base64.b64decode(e["base64"])
        out.append((e["dir"], e["opcode"], payload))
    return out


def har_messages(entry):
    """An entry's messages as (type, opcode, data: text, or bytes for binary)."""
    return [(m["type"], m["opcode"], base64.b64decode(m["data"]) if m["opcode"] == 2 else m["data"])
            for m in entry["_webSocketMessages"]]


def assert_private(test, path):
    """The recording was created with mode 0600."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    test.assertEqual(mode, 0o600, f"{path} has mode {mode:o}")


def assert_times_in_order(test, events):
    stamps = [e["ts"] for e in events]
    test.assertEqual(stamps, sorted(stamps), "the events are not in time order")


def wait_for(predicate, timeout=10, what="a condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def file_lines(path):
    """The whole lines in `path` so far ([] before it exists)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return data.split(b"\n")[:-1]


def record_stepwise(rec, url, steps, first=1, pause=0.0, args=()):
    """`wskit connect --json --slash --record REC ARGS URL`, fed one line at
    a time: waits for the service's `first` messages (its hello), then for
    each (line, answers) sleeps `pause`, sends the line and waits for its
    answers (a count, or the list of them): a recording in which each
    message was sent after the answers to the one before, `pause` apart."""
    p = Process([WSKIT, "connect", "--json", "--slash", "-w", "0.1", "--record", rec, *args, url],
                stdin=subprocess.PIPE)
    try:
        received = 0

        def wait_for_messages(n):
            nonlocal received
            while received < n:
                e = json.loads(p.wait_line(r"^\{", stream="stdout").string)
                if e["event"] == "message" and e["dir"] == "in":
                    received += 1
        wait_for_messages(first)
        for line, answers in steps:
            time.sleep(pause)
            p.proc.stdin.write((line + "\n").encode())
            p.proc.stdin.flush()
            wait_for_messages(received + (answers if isinstance(answers, int) else len(answers)))
        p.proc.stdin.close()
        code = p.wait()
        if code != 0:
            raise AssertionError(f"connect --record exited {code}: {p.seen['stderr'][-5:]!r}")
    finally:
        p.stop()



def close_quietly(f):
    try:
        f.close()
    except OSError:
        pass
