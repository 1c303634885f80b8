"""The project's URLs plus views that fail on purpose, for the error page tests."""
from django.core.exceptions import PermissionDenied
from django.urls import path

from duban.urls import handler400, handler403, handler404, handler500, urlpatterns as project  # noqa: F401


def boom(request):
    raise RuntimeError("a bug")


def refuse_in_english(request):
    raise PermissionDenied("Forbidden by some library")


urlpatterns = [path("test-errors/boom/", boom), path("test-errors/english/", refuse_in_english), *project]
