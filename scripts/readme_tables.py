"""Write README's generated sections (default protocol, models, model card) from the configs.

python scripts/readme_tables.py           # print them
python scripts/readme_tables.py --write   # replace each block between its markers in README.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hydra import compose, initialize_config_module

from hsi.formatting import replace_marked_block
from hsi.protocol import readme_blocks

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with initialize_config_module("hsi.configs", version_base="1.3"):
        default = compose("train")
    blocks = readme_blocks(default)
    if not args.write:
        for name, block in blocks.items():
            print(f"<!-- {name} -->\n{block}")
        return
    text = README.read_text()
    for name, block in blocks.items():
        text = replace_marked_block(text, name, block)
    README.write_text(text)


if __name__ == "__main__":
    main()
