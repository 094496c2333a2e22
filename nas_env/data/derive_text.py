"""Derive the bundled text corpus ``nas_env/data/tinyshakespeare.txt.gz`` from the raw file.

Run once from the repository root (the raw file is not shipped, the ``.gz`` is)::

    python -m nas_env.data.derive_text --raw ../shared/data

The output is the raw ``text/tinyshakespeare.txt`` (1,115,394 characters, UTF-8),
unchanged, gzip-compressed with a zero timestamp so the bytes are reproducible.
Source: karpathy/char-rnn (MIT licence), the text itself is Shakespeare (public
domain); see ``nas_env/data/README.md`` and ``NOTICE``.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

__all__ = ["TINYSHAKESPEARE_CHARS", "TINYSHAKESPEARE_GZ", "derive_tinyshakespeare"]

#: Where the bundled corpus lives.
TINYSHAKESPEARE_GZ = Path(__file__).parent / "tinyshakespeare.txt.gz"
#: Length of the raw file in characters (checked when deriving and loading).
TINYSHAKESPEARE_CHARS = 1_115_394


def derive_tinyshakespeare(raw: Path | str, out: Path | str = TINYSHAKESPEARE_GZ) -> Path:
    """Gzip ``raw/text/tinyshakespeare.txt`` into ``out`` (reproducibly); returns ``out``.

    Raises:
        FileNotFoundError: the raw file is missing (names the path).
        ValueError: the raw file does not have the expected 1,115,394 characters.
    """
    src = Path(raw) / "text" / "tinyshakespeare.txt"
    if not src.is_file():
        raise FileNotFoundError(f"raw corpus not found: {src} (expected text/tinyshakespeare.txt under --raw)")
    text = src.read_text(encoding="utf-8")
    if len(text) != TINYSHAKESPEARE_CHARS:
        raise ValueError(f"{src} has {len(text):,} characters; expected {TINYSHAKESPEARE_CHARS:,}")
    out = Path(out)
    out.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=Path("../shared/data"), help="folder of the raw files")
    ap.add_argument("--out", type=Path, default=TINYSHAKESPEARE_GZ, help="output .txt.gz")
    args = ap.parse_args(argv)
    path = derive_tinyshakespeare(args.raw, args.out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
