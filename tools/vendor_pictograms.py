"""Copy the pictograms listed in app/consultations/data/pictograms.toml from Tabler Icons (an npm package
unpacked at the path given) into static/img/pictograms/<key>.svg, coloured for children's screens, with the
licence beside them. Run by `make vendor-pictograms`; the files are committed, nothing is fetched at run time."""

import re
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLOUR = "#073f6e"  # --brand-dark: 10.4:1 on white


def main(package: Path) -> None:
    data = tomllib.loads((ROOT / "app/consultations/data/pictograms.toml").read_text())
    target = ROOT / "static/img/pictograms"
    for old in target.glob("*.svg"):
        old.unlink()
    for item in data["pictogram"]:
        svg = (package / "icons/outline" / f"{item['icon']}.svg").read_text()
        svg = svg.replace('stroke="currentColor"', f'stroke="{COLOUR}"')
        svg = re.sub(r'\s*class="[^"]*"', "", svg)
        svg = re.sub(r"\n\s*", " ", svg).replace("> <", "><").strip() + "\n"
        (target / f"{item['key']}.svg").write_text(svg)
    shutil.copyfile(package / "LICENSE", target / "LICENSE-tabler-icons.txt")
    print(f"{len(data['pictogram'])} pictograms from Tabler Icons into {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
