from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlansConfig(AppConfig):
    name = "duban.plans"
    label = "plans"

    def ready(self) -> None:
        from duban.lib.dataversion import install_after_migrate

        # After every migrate (all apps' tables exist by then): the triggers that keep
        # the data version for page caches (duban.lib.dataversion).
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="duban.dataversion")
