"""Role checks for views. 404 for what a person may not see, 403 for what they may
see but not change (healthchecks' _get_check_for_user / _get_rw_check_for_user)."""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .models import Role


def role_required(*roles: str):
    """The view is for these roles only; everyone else signed in gets 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                raise PermissionDenied("您的角色无权进行此操作")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = tuple(roles)
        return wrapped

    return decorator


office_required = role_required(Role.OFFICE)
