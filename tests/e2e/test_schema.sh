#!/usr/bin/env bash
# sweeps/schema.json (what editors validate against) accepts every valid
# sweep file of the repository and rejects typical mistakes.
source "$(dirname "$0")/lib.sh"
$SD_PYTHON - "$SD_SOURCE_DIR" <<'PY'
import glob, json, sys
import jsonschema
root = sys.argv[1]
schema = json.load(open(f"{root}/sweeps/schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
files = [f for f in glob.glob(f"{root}/sweeps/*.json") + glob.glob(f"{root}/tests/e2e/sweeps/*.json")
         + glob.glob(f"{root}/bench/sweeps/*.json") if not f.endswith("schema.json")]
for f in files:
    errs = list(v.iter_errors(json.load(open(f))))
    assert not errs, (f, [e.message for e in errs])
base = {"model": {"name": "ishigami"}, "parameters": [{"name": "x1", "range": [0, 1]}],
        "design": {"type": "sobol", "samples": 16}}
bad = [
    {**base, "replicats": 2},
    {**base, "design": {"type": "sobol", "samples": 1000}},
    {**base, "design": {"type": "grid"}},
    {**base, "parameters": [{"name": "x1", "range": [0, 1], "values": [1]}]},
    {**base, "parameters": [{"name": "x1", "range": [0, 1], "scale": "log10"}]},
    {**base, "design": {"type": "morris", "trajectories": 4, "levels": 3}},
    {**base, "output": {"snapshots": {"runs": [0]}}},
    {**base, "seed": -1},
]
for b in bad:
    assert list(v.iter_errors(b)), ("schema accepted", b)
print(f"schema ok: {len(files)} sweep files valid, {len(bad)} mistakes rejected")
PY
echo "1 passed, 0 failed"
