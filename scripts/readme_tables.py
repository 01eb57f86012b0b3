"""Write the generated sections of README (default protocol, models) and docs/models.md (model card).

python scripts/readme_tables.py           # print them
python scripts/readme_tables.py --write   # replace each block between its markers in its file
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hydra import compose, initialize_config_module

from hsi.formatting import replace_marked_block
from hsi.protocol import readme_blocks

ROOT = Path(__file__).resolve().parents[1]
FILE_OF_SECTION = {"default-protocol": "README.md", "models": "README.md", "model-card": "docs/models.md"}


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
    for name, block in blocks.items():
        path = ROOT / FILE_OF_SECTION[name]
        path.write_text(replace_marked_block(path.read_text(), name, block))


if __name__ == "__main__":
    main()
