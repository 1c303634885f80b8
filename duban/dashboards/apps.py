from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "duban.dashboards"
    label = "dashboards"
    verbose_name = "驾驶舱"
