"""Announcements (公告) and policy notices (通知): drafted by an office's staff, published by
a different staff member, shown to the public inside their display window, with every
version of their text kept."""
