"""Inside the WeCom or DingTalk app a person opening any Duban page unsigned lands on
the sign-in page; this sends them on through the app's sign-in instead, so they never
type a password there. After a refusal the ordinary sign-in page is shown."""
from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import inapp
from .signin import REFUSED


class InAppSignInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.login_path = None

    def __call__(self, request):
        if self.login_path is None:
            self.login_path = reverse("accounts:login")
        if (request.method == "GET" and request.path == self.login_path and not request.user.is_authenticated
                and "local" not in request.GET and not request.session.get(REFUSED)):
            app = inapp.app_for(request.META.get("HTTP_USER_AGENT", ""))
            if app is not None:
                return redirect(reverse(f"identity:{app}") + "?" + urlencode({"next": request.GET.get("next", "/")}))
        return self.get_response(request)
