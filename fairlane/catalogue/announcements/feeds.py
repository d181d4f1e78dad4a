"""The Atom feed of published announcements, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.syndication.views import Feed
from django.template.defaultfilters import linebreaks_filter
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from fairlane.catalogue.announcements.models import Announcement
from fairlane.catalogue.announcements.selectors import in_current_language, published_announcements

FEED_SIZE = 50

if TYPE_CHECKING:
    _Feed = Feed[Announcement, None]  # generic only in the type stubs
else:
    _Feed = Feed


class AnnouncementFeed(_Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Announcements and policy notices of the vehicle management office")

    def subtitle(self) -> str:
        return _("What is published now, newest first.")

    def link(self) -> str:
        return reverse("announcements:list")

    def items(self) -> list[Announcement]:
        return list(published_announcements()[:FEED_SIZE])

    def item_title(self, item: Announcement) -> str:
        return in_current_language(item).title

    def item_description(self, item: Announcement) -> str:
        # Escaped, then paragraphs: the same HTML as the page shows.
        return str(linebreaks_filter(in_current_language(item).body, autoescape=True))

    def item_link(self, item: Announcement) -> str:
        return reverse("announcements:detail", args=[item.pk])

    def item_pubdate(self, item: Announcement) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Announcement) -> datetime | None:
        return item.current_version.created_at if item.current_version else None
