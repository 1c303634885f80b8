"""Self-service: sign in (password, then one-time code when needed), sign out,
password change, second factor, own sessions."""
from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from duban.audit.log import record
from duban.audit.middleware import client_address
from duban.security.models import SecurityPolicy

from . import otp
from .forms import SignInForm, TokenForm
from .lockout import active_lock, lock_message, note_failure
from .models import User
from .sessions import end_other_sessions, end_session, live_sessions, start_session

PENDING = "duban_2fa_pending"  # user who passed the password step, awaiting the code
PENDING_SECONDS = 300


def _complete_sign_in(request, user, *, backend: str, device=None) -> None:
    start_session(request, user, backend=backend)
    if device is not None:
        from django_otp import login as otp_login

        otp_login(request, device)
    record("auth.login", actor=user, obj=user, summary="登录成功" + ("（密码＋动态验证码）" if device else ""))


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        policy = SecurityPolicy.current()
        device = otp.confirmed_device(user)
        needs_code = device is not None
        needs_enrol = device is None and policy.require_2fa_for_staff and user.is_staff_role
        if needs_code or needs_enrol:
            self.request.session[PENDING] = {"user": user.pk, "backend": user.backend, "at": time.time(),
                                             "next": self.get_success_url()}
            record("auth.password_ok", actor=user, obj=user, summary="密码验证通过，等待动态验证码")
            return redirect("accounts:otp_enrol" if needs_enrol else "accounts:otp_verify")
        _complete_sign_in(self.request, user, backend=user.backend)
        return redirect(self.get_success_url())


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    return User.objects.filter(pk=pending["user"], is_active=True).first(), pending


@sensitive_post_parameters("token")
def otp_verify(request):
    """Second step of sign-in: the code from the person's authenticator app."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, "请先输入用户名和密码。")
        return redirect("accounts:login")
    device = otp.confirmed_device(user)
    if device is None:
        return redirect("accounts:otp_enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        lock = active_lock(user.username, address)
        if lock is not None:
            request.session.pop(PENDING, None)
            record("auth.login_denied", actor=user, obj=user, result="denied", summary="锁定期间提交动态验证码")
            messages.error(request, lock_message(lock))
            return redirect("accounts:login")
        if otp.verify(device, form.cleaned_data["token"]):
            request.session.pop(PENDING, None)
            _complete_sign_in(request, user, backend=pending["backend"], device=device)
            return redirect(pending.get("next") or reverse("web:home"))
        record("auth.otp_failed", actor=user, obj=user, result="failed", summary="动态验证码错误")
        lock = note_failure(user.username, address)
        if lock is not None:
            request.session.pop(PENDING, None)
            messages.error(request, lock_message(lock))
            return redirect("accounts:login")
        form.add_error("token", "动态验证码不正确或已过期，请输入验证器上当前显示的6位数字。")
    return render(request, "accounts/otp_verify.html", {"form": form, "user_pending": user})


@sensitive_post_parameters("token")
def otp_enrol(request):
    """Set up an authenticator app: scan the QR code, then type a code to confirm.
    Reached signed in (voluntary, or required by policy) or right after the password
    step when the policy requires a second factor and the person has none."""
    if request.user.is_authenticated:
        user, pending = request.user, None
    else:
        user, pending = _pending_user(request)
        if user is None:
            return redirect("accounts:login")
    if otp.has_device(user) and pending is None:
        return redirect("accounts:two_factor")
    device = otp.pending_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.verify(device, form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record("auth.otp_enrolled", actor=user, obj=user, summary="启用双因素认证（动态验证码）")
            if pending is not None:
                request.session.pop(PENDING, None)
                _complete_sign_in(request, user, backend=pending["backend"], device=device)
                messages.success(request, "双因素认证已启用。以后登录须输入验证器上的动态验证码。")
                return redirect(pending.get("next") or reverse("web:home"))
            messages.success(request, "双因素认证已启用。")
            return redirect("accounts:two_factor")
        record("auth.otp_failed", actor=user, obj=user, result="failed", summary="启用双因素认证时验证码错误")
        form.add_error("token", "验证码不正确：请确认手机时间准确，并输入验证器上当前显示的6位数字。")
    return render(request, "accounts/otp_enrol.html", {
        "form": form, "qr": otp.qr_data_uri(device), "secret": otp.secret_base32(device),
        "required": pending is not None or (SecurityPolicy.current().require_2fa_for_staff and user.is_staff_role),
        "user_enrolling": user,
    })


@login_required
def two_factor(request):
    policy = SecurityPolicy.current()
    required = policy.require_2fa_for_staff and request.user.is_staff_role
    if request.method == "POST":
        if required:
            messages.error(request, "安全策略要求您的账号使用双因素认证，不能关闭。")
        else:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            TOTPDevice.objects.filter(user=request.user).delete()
            record("auth.otp_disabled", actor=request.user, obj=request.user, summary="关闭双因素认证")
            messages.success(request, "双因素认证已关闭。")
        return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor.html", {
        "enabled": otp.has_device(request.user), "required": required})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        policy = SecurityPolicy.current()
        ctx["expired"] = self.request.user.password_expired(policy.password_max_age_days)
        ctx["policy"] = policy
        return ctx

    def form_valid(self, form):
        user = form.save()
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        update_session_auth_hash(self.request, user)
        ended = end_other_sessions(user, keep=self.request.session.session_key)
        record("auth.password_change", actor=user, obj=user,
               summary="修改密码" + (f"，结束其他会话{ended}个" if ended else ""))
        messages.success(self.request, "密码已修改")
        return redirect(self.get_success_url())


@require_POST
def sign_out(request):
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        record("auth.logout", actor=user, obj=user, summary="退出登录")
    end_session(request)
    messages.info(request, "您已退出登录。")
    return redirect("accounts:login")


@login_required
def my_sessions(request):
    if request.method == "POST":
        user = request.user
        n = end_other_sessions(user)
        record("auth.logout_all", actor=user, obj=user, summary=f"退出全部登录（{n}个会话）")
        end_session(request)
        messages.info(request, f"已在所有设备上退出登录（共{n}个会话）。")
        return redirect("accounts:login")
    return render(request, "accounts/sessions.html", {
        "sessions": live_sessions(request.user), "current": request.session.session_key})
