from __future__ import annotations

from django.core.exceptions import ValidationError

from fairlane.accounts.models import User
from fairlane.core.validators import validate_id_number, validate_mobile


def user_find_by_login(username: str) -> User | None:
    """The account whose phone or ID number is `username`, in any accepted spelling."""
    for validate, field in ((validate_mobile, "phone"), (validate_id_number, "id_number")):
        try:
            value = validate(username)
        except ValidationError:
            continue
        return User.objects.filter(**{field: value}).first()
    return None
