from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "duban.api"
    label = "api"
    verbose_name = "接口"

    def ready(self) -> None:
        from duban.status.signals import status_changed

        from .webhooks import record_changes

        # A stored light that changes colour (duban.status) is recorded and queued to
        # the webhooks in the transaction that changed it.
        status_changed.connect(record_changes, dispatch_uid="duban.api.webhooks")
