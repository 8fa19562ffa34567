"""Reads the Prometheus text format on stdin with the Prometheus project's Python client parser and
prints its families as JSON: [{"name", "type", "samples": [{"name", "labels", "value"}]}].
A line the parser refuses fails the run (exit 1, its error on stderr)."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    samples = []
    for s in family.samples:
        value = s.value
        if math.isnan(value) or math.isinf(value):
            value = str(value)
        samples.append({"name": s.name, "labels": s.labels, "value": value})
    families.append({"name": family.name, "type": family.type, "samples": samples})
json.dump(families, sys.stdout)
