"""Validates every line of an events.jsonl file against docs/events.schema.json
with the `jsonschema` package (an implementation independent of ours).

usage: python3 validate_events.py SCHEMA EVENTS
Prints `N events valid` or the first error per invalid line, exits 1 then.
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(
    schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
bad = 0
count = 0
for number, line in enumerate(open(sys.argv[2]), 1):
    count += 1
    try:
        event = json.loads(line)
    except ValueError as e:
        print(f"line {number}: not JSON: {e}")
        bad += 1
        continue
    for error in validator.iter_errors(event):
        print(f"line {number} ({event.get('event')}): {error.message} at {list(error.path)}")
        bad += 1
        break
if bad or count == 0:
    print(f"{bad} invalid of {count}")
    sys.exit(1)
print(f"{count} events valid")
