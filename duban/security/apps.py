from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "duban.security"
    label = "security"
    verbose_name = "安全策略"
