"""Reading the catalogue data files: TOML in `catalogue/data/`, checked against `schema`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from fairlane.catalogue.schema import CatalogueFile, Item

DATA_DIR = Path(__file__).resolve().parent / "data"


class CatalogueDataError(Exception):
    """The data files are wrong; the message says which file and what."""


def read_catalogue(data_dir: Path = DATA_DIR) -> list[Item]:
    """Every item of every data file, checked: valid fields, unique codes, related codes
    that exist. Files are read in name order (10_…, 20_…), which is the catalogue's order.
    Raises CatalogueDataError naming the file and the problem."""
    items: list[Item] = []
    for path in sorted(data_dir.glob("*.toml")):
        try:
            parsed = CatalogueFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, ValidationError) as error:
            raise CatalogueDataError(f"{path.name}: {error}") from error
        items.extend(parsed.items)
    codes = [item.code for item in items]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise CatalogueDataError(f"codes used twice: {', '.join(duplicates)}")
    known = set(codes)
    for item in items:
        missing = [code for code in item.related if code not in known]
        if missing:
            raise CatalogueDataError(f"{item.code}: related items that do not exist: {', '.join(missing)}")
    return items


if __name__ == "__main__":
    found = read_catalogue()
    print(f"{len(found)} items, all valid")  # noqa: T201 - a check for people editing the data
