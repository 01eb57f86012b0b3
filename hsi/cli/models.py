"""``hsi-models``: print the model card (parameters and MACs of every model config); ``--speed`` measures
each network's training and prediction speed on this machine instead."""

from __future__ import annotations

import argparse
from pathlib import Path

from hsi.cli.common import fail, help_text
from hsi.errors import UserError
from hsi.files import write_atomically
from hsi.formatting import MarkedBlockError, replace_marked_block
from hsi.models.card import card_markdown, model_card

SECTION = "model-card"
SPEED_SECTION = "model-speed"


def write_card(path: Path, table: str, section: str = SECTION) -> None:
    """The card between the file's model-card markers (everything else kept), or a new file holding only it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, f"<!-- {section}:start -->\n{table}<!-- {section}:end -->\n")
        return
    try:
        text = replace_marked_block(path.read_text(), section, table)
    except MarkedBlockError as error:
        raise UserError(
            f"{path} has {error}, so writing the table would replace what is there; "
            f"leave exactly one <!-- {section}:start --> line and one <!-- {section}:end --> line where the table "
            "belongs, or give a new file."
        ) from None
    write_atomically(path, text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="hsi-models", description=help_text(__doc__))
    parser.add_argument("--bands", type=int, default=30, help="PCA components of the input (default 30)")
    parser.add_argument("--window", type=int, default=25, help="window side (default 25)")
    parser.add_argument("--classes", type=int, default=16, help="number of classes (default 16)")
    parser.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="also write the table into FILE's model-card (or, with --speed, model-speed) section "
        "(a new FILE holds only the table)",
    )
    parser.add_argument(
        "--speed",
        action="store_true",
        help="measure training samples/s and full-scene prediction time of every network on this machine "
        "(minutes; run it on a quiet machine)",
    )
    parser.add_argument("--steps", type=int, default=10, help="--speed: training batches timed per model (default 10)")
    parser.add_argument("--scene", type=int, default=145, help="--speed: side of the predicted scene (default 145)")
    args = parser.parse_args(argv)
    if args.speed:
        from hsi.cli.model_speed import speed_table  # torch training code: only when asked

        if args.steps < 1 or args.scene < 1:
            fail("hsi-models", UserError("--steps and --scene must be at least 1; the defaults are 10 and 145."))

        table = speed_table(args.bands, args.window, args.classes, args.steps, args.scene)
    else:
        table = card_markdown(model_card(args.bands, args.window, args.classes), args.bands, args.window, args.classes)
    print(table, end="")
    if args.write:
        try:
            write_card(args.write, table, SPEED_SECTION if args.speed else SECTION)
        except UserError as error:
            fail("hsi-models", error)


if __name__ == "__main__":
    main()
