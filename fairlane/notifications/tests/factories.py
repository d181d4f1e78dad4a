"""A published service item for notifications that name one."""

from __future__ import annotations

from fairlane.catalogue.services import catalogue_load
from fairlane.catalogue.tests.factories import bi, make_item

ITEM = "DL-RENEW"
ITEM_ZH, ITEM_EN = "驾驶证期满换证", "Licence renewal"


def publish_item() -> None:
    catalogue_load(items=[make_item(ITEM, name=bi(ITEM_ZH, ITEM_EN))])
