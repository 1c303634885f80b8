from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "duban.status"
    label = "status"
    verbose_name = "红黄绿灯"

    def ready(self) -> None:
        from duban.plans.signals import task_facts_changed

        from .store import on_facts_changed

        # Every action that changes a task's facts says so (duban.plans.signals); the
        # stored status of those tasks is recomputed in the action's transaction.
        task_facts_changed.connect(on_facts_changed, dispatch_uid="duban.status.recompute")
