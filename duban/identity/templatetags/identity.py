"""{% outside_sign_in next %}: the buttons of the sign-in paths that are on, for the
sign-in page (统一身份认证登录, 企业微信, 钉钉)."""
from django import template
from django.urls import reverse
from django.utils.http import urlencode

from duban.identity import cas, oidc

register = template.Library()


@register.inclusion_tag("identity/_sign_in_buttons.html")
def outside_sign_in(next_url: str = ""):
    query = "?" + urlencode({"next": next_url}) if next_url else ""
    buttons = []
    if oidc.enabled():
        buttons.append(("统一身份认证登录", reverse("identity:oidc_login") + query))
    elif cas.enabled():
        buttons.append(("统一身份认证登录", reverse("identity:cas_login") + query))
    return {"buttons": buttons}
