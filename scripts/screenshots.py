"""Regenerate the README screenshots from the browser suite (tests/browser).

Runs the suite (one server over the test corpus, Debian's Chromium, every tab at 1280x800 and 390x844 in the light
and the dark theme) with its screenshots directed to a temporary folder, then copies the laptop-width light-theme
shot of each tab, and the phone-width dark-theme shot of Chat, into docs/screenshots/. Nothing is copied unless the
whole suite passes.

    PYTHONPATH=. python scripts/screenshots.py            # regenerate docs/screenshots/*.png
    PYTHONPATH=. python scripts/screenshots.py --keep DIR # also keep every shot of the run in DIR
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "docs" / "screenshots"
PICK = {
    "chat.png": "chat-1280-light.png",
    "browse.png": "browse-1280-light.png",
    "algorithms.png": "algorithms-1280-light.png",
    "interview.png": "interview-1280-light.png",
    "chat-phone-dark.png": "chat-390-dark.png",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, help="also copy every screenshot of the run into this folder")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlnotes-shots-") as tmp:
        env = {**os.environ, "MLNOTES_SCREENSHOTS": tmp, "PYTHONPATH": str(ROOT)}
        env.setdefault("HF_HUB_OFFLINE", "1")
        rc = subprocess.call([sys.executable, "-m", "pytest", "tests/browser", "-q", "-p", "no:cacheprovider"],
                             cwd=ROOT, env=env)
        if rc != 0:
            print(f"the browser suite failed (exit {rc}); docs/screenshots/ left unchanged", file=sys.stderr)
            return rc
        missing = [src for src in PICK.values() if not (Path(tmp) / src).is_file()]
        if missing:
            print(f"the suite passed but did not save {missing}; was it skipped (no Chromium)?", file=sys.stderr)
            return 1
        DEST.mkdir(parents=True, exist_ok=True)
        for dst, src in PICK.items():
            shutil.copyfile(Path(tmp) / src, DEST / dst)
            print(f"docs/screenshots/{dst} <- {src}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for p in Path(tmp).glob("*.png"):
                shutil.copyfile(p, args.keep / p.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
