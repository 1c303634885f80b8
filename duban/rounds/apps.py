from django.apps import AppConfig


class RoundsConfig(AppConfig):
    name = "duban.rounds"
    label = "rounds"
    verbose_name = "调度"
