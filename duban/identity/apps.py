from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "duban.identity"
    verbose_name = "统一身份"

    def ready(self):
        from duban.lib import outbound

        from .net import configured

        # The identity providers' hosts (deploy/duban.env) are allowed for identity
        # requests and listed on the security administrator's allowlist page.
        outbound.add_deployment_hosts(configured)
