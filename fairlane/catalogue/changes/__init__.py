"""Staff changes of catalogue items: a staff member proposes new content for an item, a
different staff member reviews it, and publishing makes it the item's next version. The
published versions themselves are never edited in place."""
