from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "duban.security"
    label = "security"
    verbose_name = "安全策略"

    def ready(self):
        from duban.lib import outbound

        from .models import outbound_policy

        # Every outgoing request is checked against the allowlist the security
        # administrator keeps (duban.lib.outbound).
        outbound.set_policy_provider(outbound_policy)
