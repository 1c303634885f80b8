from django.apps import AppConfig


class ManualConfig(AppConfig):
    """The user manual (操作手册): one Markdown page per role, rendered by the app, with
    screenshots taken by the e2e walks (duban/e2e/test_day.py)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "duban.manual"
    verbose_name = "操作手册"
