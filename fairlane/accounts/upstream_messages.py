"""Messages of Django itself whose zh-hans translation Django does not ship yet.

Django 5.2 changed the password-length msgid to use "%d", and its own zh_Hans catalogue
still has the older text, so Chinese users would read English. Naming the msgids here puts
them in our catalogue (makemessages scans this file), which Django consults first.
"""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
