from django.apps import AppConfig


class WorkplansConfig(AppConfig):
    name = "duban.workplans"
    label = "workplans"
