from django.apps import AppConfig
from django.db.backends.signals import connection_created


class WebConfig(AppConfig):
    name = "duban.web"
    label = "web"

    def ready(self) -> None:
        from duban.lib.filemodes import private_sqlite
        from duban.lib.sqlite import check_sqlite_connection
        from duban.web import checks  # noqa: F401  (registers the deployment checks)

        connection_created.connect(check_sqlite_connection, dispatch_uid="duban-sqlite-check")
        connection_created.connect(private_sqlite, dispatch_uid="duban-sqlite-private")
