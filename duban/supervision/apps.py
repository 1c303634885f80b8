from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "duban.supervision"
    label = "supervision"
    verbose_name = "督办"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .changes import install_after_migrate

        # The log of which tasks' status facts changed (duban.supervision.changes).
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="duban.supervision.changes")
