from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "duban.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the signal receivers
