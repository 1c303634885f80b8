from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "duban.exports"
    label = "exports"
    verbose_name = "导出与通报"
