"""Write README's "default protocol" table from the composed default config.

python scripts/readme_tables.py           # print it
python scripts/readme_tables.py --write   # replace the block between the markers in README.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hydra import compose, initialize_config_module

from hsi.protocol import protocol_table

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- default-protocol:start -->", "<!-- default-protocol:end -->"


def default_table() -> str:
    with initialize_config_module("hsi.configs", version_base="1.3"):
        return protocol_table(compose("train"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    table = default_table()
    if not args.write:
        print(table, end="")
        return
    text = README.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table}{END}{tail}")


if __name__ == "__main__":
    main()
