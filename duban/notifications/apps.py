from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "duban.notifications"
    label = "notifications"
    verbose_name = "通知"
