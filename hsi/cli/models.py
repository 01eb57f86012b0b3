"""``hsi-models``: print the model card (parameters and MACs of every model config)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hsi.files import write_atomically
from hsi.models.card import card_markdown, model_card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hsi-models", description=__doc__)
    parser.add_argument("--bands", type=int, default=30, help="PCA components of the input (default 30)")
    parser.add_argument("--window", type=int, default=25, help="window side (default 25)")
    parser.add_argument("--classes", type=int, default=16, help="number of classes (default 16)")
    parser.add_argument("--write", type=Path, metavar="FILE", help="also write the table to FILE (markdown)")
    args = parser.parse_args(argv)
    table = card_markdown(model_card(args.bands, args.window, args.classes), args.bands, args.window, args.classes)
    print(table, end="")
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(args.write, "# Model card\n\nMade by `hsi-models --write docs/models.md`.\n\n" + table)


if __name__ == "__main__":
    main()
