"""The end of every outside sign-in path (unified identity, WeCom, DingTalk): the
person's account must be active and not locked, then the accounts app's own step
(second factor, session, audit row naming the path) takes over."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from duban.accounts.lockout import active_lock, lock_message
from duban.accounts.models import ADMIN_ROLES
from duban.accounts.views import LOGOUT_URL, finish_sign_in
from duban.audit.log import record
from duban.audit.middleware import client_address

from .models import Provider

REFUSED = "duban_identity_refused"  # an outside sign-in was refused: show the ordinary page


def safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return url
    return reverse("web:home")


def refuse(request, provider: str, message: str, *, user=None, summary: str = ""):
    label = Provider(provider).label
    record("auth.login_failed" if user is None else "auth.login_denied", obj=user, result="failed" if user is None else "denied",
           summary=f"{label}登录未成功：{summary or message}"[:500], after={"method": label})
    messages.error(request, message)
    request.session[REFUSED] = True
    return redirect("accounts:login")


def complete(request, user, *, provider: str, created: bool, next_url: str, logout_url: str = ""):
    """Sign `user` in by `provider` (a Provider value), or refuse with a Chinese message."""
    label = Provider(provider).label
    if user.role in ADMIN_ROLES:
        return refuse(request, provider, "管理员账号只能使用本地密码登录。", user=user)
    if created:
        return refuse(request, provider, f"已收到您的{label}登录。您在督办系统中还没有账号，已为您建立，"
                                         "待系统管理员分配单位和角色、安全管理员审批后即可登录。", user=user,
                      summary="新人员待分配角色和审批")
    if not user.is_active:
        return refuse(request, provider, "您的账号已停用或正待安全管理员审批，请联系系统管理员。", user=user,
                      summary="账号未启用")
    lock = active_lock(user.username, client_address(request))
    if lock is not None:
        return refuse(request, provider, lock_message(lock), user=user, summary="账号锁定期间")
    response = finish_sign_in(request, user, method=label, next_url=next_url)
    if logout_url:
        request.session[LOGOUT_URL] = logout_url
    return response
