"""The sign-in backend: Django's ModelBackend and its rules (an inactive account gets
no user), with the name Duban shows for the way a person signed in. A damaged user id
in a session (not a number) gives nobody rather than an error.

(The person behind a session used to be read with a hand-written SELECT to save
compiling a QuerySet per request: about 0.1 ms of a page that costs tens of
milliseconds, so it went, with the raw-SQL session store.)
"""
from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    sign_in_label = "本地密码"

    def get_user(self, user_id):
        try:
            return super().get_user(user_id)
        except (ValueError, TypeError):  # a damaged session value: nobody
            return None
