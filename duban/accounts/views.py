"""Self-service: sign in (password, then one-time code when needed), sign out,
password change, second factor, own sessions."""
from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from duban.audit.log import record
from duban.audit.middleware import client_address
from duban.security import throttle
from duban.security.models import SecurityPolicy

from . import approvals, otp
from .forms import EnrolmentCodeForm, SetupForm, SignInForm, TokenForm
from .lockout import THROTTLED_MESSAGE, active_lock, lock_message, note_failure, sign_in_throttled
from .models import RecoveryCode, User
from .sessions import end_other_sessions, end_session, live_sessions, start_session

PENDING = "duban_2fa_pending"  # user who passed the password step, awaiting the code
PENDING_SECONDS = 300


SESSION_BACKEND = "duban.accounts.backends.UserBackend"  # every session loads its person this way
LOGOUT_URL = "duban_logout_url"  # where sign-out sends the browser next (a provider's own sign-out)


def sign_in_label(backend_path: str) -> str:
    """How the person proved who they are, as the audit log names it."""
    return getattr(import_string(backend_path), "sign_in_label", "本地密码")


def _complete_sign_in(request, user, *, method: str, device=None) -> None:
    start_session(request, user, backend=SESSION_BACKEND)
    if device is not None:
        from django_otp import login as otp_login

        otp_login(request, device)
    record("auth.login", actor=user, obj=user, summary=f"登录成功（{method}" + ("＋动态验证码）" if device else "）"),
           after={"method": method, "second_factor": device is not None})


def finish_sign_in(request, user, *, method: str, next_url: str):
    """The step after any proof of identity (local or directory password, unified
    identity, WeCom, DingTalk): the second factor when the person has one or the
    policy requires it (no outside proof counts as one), then the session and the
    audit row naming the path. Returns the response to send."""
    policy = SecurityPolicy.current()
    device = otp.confirmed_device(user)
    needs_code = device is not None
    needs_enrol = device is None and user.must_use_second_factor(policy)
    if needs_code or needs_enrol:
        request.session[PENDING] = {"user": user.pk, "method": method, "at": time.time(), "next": next_url}
        record("auth.password_ok", actor=user, obj=user, summary=f"{method}验证通过，等待动态验证码",
               after={"method": method})
        return redirect("accounts:otp_enrol" if needs_enrol else "accounts:otp_verify")
    _complete_sign_in(request, user, method=method)
    return redirect(next_url)


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", "throttled"):
            response.status_code = 429
            response["Retry-After"] = str(throttle.seconds_left())
        return response

    def form_valid(self, form):
        user = form.get_user()
        return finish_sign_in(self.request, user, method=sign_in_label(user.backend),
                              next_url=self.get_success_url())


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
    if request.method == "POST" and sign_in_throttled(user.username, client_address(request), path=request.path):
        form.is_valid()
        form.add_error(None, THROTTLED_MESSAGE)
        response = render(request, "accounts/otp_verify.html", {"form": form, "user_pending": user}, status=429)
        response["Retry-After"] = str(throttle.seconds_left())
        return response
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        lock = active_lock(user.username, address)
        if lock is not None:
            request.session.pop(PENDING, None)
            record("auth.login_denied", actor=user, obj=user, result="denied", summary="锁定期间提交动态验证码")
            messages.error(request, lock_message(lock))
            return redirect("accounts:login")
        token = form.cleaned_data["token"].strip().replace(" ", "")
        if otp.verify(device, token):
            request.session.pop(PENDING, None)
            _complete_sign_in(request, user, method=pending.get("method", "本地密码"), device=device)
            return redirect(pending.get("next") or reverse("web:home"))
        if not token.isdigit() and otp.use_recovery_code(user, token):
            request.session.pop(PENDING, None)
            left = otp.recovery_codes_left(user)
            record("auth.recovery_used", actor=user, obj=user, summary=f"使用恢复码登录（剩余{left}个）")
            _complete_sign_in(request, user, method=pending.get("method", "本地密码"), device=device)
            messages.warning(request, f"您用恢复码登录，还剩{left}个恢复码。手机找回或更换后，请在“账号安全”中重新生成恢复码。")
            return redirect(pending.get("next") or reverse("web:home"))
        record("auth.otp_failed", actor=user, obj=user, result="failed", summary="动态验证码或恢复码错误")
        lock = note_failure(user.username, address)
        if lock is not None:
            request.session.pop(PENDING, None)
            messages.error(request, lock_message(lock))
            return redirect("accounts:login")
        form.add_error("token", "动态验证码不正确或已过期，请输入验证器上当前显示的6位数字（或一个未用过的恢复码）。")
    return render(request, "accounts/otp_verify.html", {"form": form, "user_pending": user})


ENROL_OK = "duban_otp_enrol_ok"  # the person whose enrolment code was accepted, and when
ENROL_OK_SECONDS = 600


def _enrol_code_accepted(request, user) -> bool:
    ok = request.session.get(ENROL_OK)
    return bool(ok) and ok.get("user") == user.pk and time.time() - ok.get("at", 0) <= ENROL_OK_SECONDS


def _recovery_page(request, codes: list[str], *, next_url: str | None):
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next_url": next_url})
    response["Cache-Control"] = "no-store"
    return response


@sensitive_post_parameters("token", "code")
def otp_enrol(request):
    """Bind an authenticator app (issue 14 §5): first the one-time enrolment code the
    security administrator (or the server) gave the person — the password alone never
    binds one — then the QR code, then a code from the app to confirm; ten recovery
    codes are shown once at the end. Reached signed in (voluntary, or required by
    policy) or right after the password step when the policy requires a second factor
    and the person has none."""
    if request.user.is_authenticated:
        user, pending = request.user, None
    else:
        user, pending = _pending_user(request)
        if user is None:
            return redirect("accounts:login")
    if otp.has_device(user) and pending is None:
        return redirect("accounts:two_factor")
    required = pending is not None or user.must_use_second_factor(SecurityPolicy.current())
    if not _enrol_code_accepted(request, user):
        form = EnrolmentCodeForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            address = client_address(request)
            lock = active_lock(user.username, address)
            if sign_in_throttled(user.username, address, path=request.path):
                form.add_error(None, THROTTLED_MESSAGE)
                status = 429
            elif lock is not None:
                form.add_error(None, lock_message(lock))
            elif otp.use_enrolment_code(user, form.cleaned_data["code"]):
                request.session[ENROL_OK] = {"user": user.pk, "at": time.time()}
                record("auth.otp_code_used", actor=user, obj=user, summary="绑定码验证通过，开始绑定验证器")
                return redirect("accounts:otp_enrol")
            else:
                record("auth.otp_code_failed", actor=user, obj=user, result="failed", summary="双因素认证绑定码错误")
                lock = note_failure(user.username, address)
                form.add_error("code", lock_message(lock) if lock is not None else
                               "绑定码不正确、已使用或已过期。请向安全管理员索取新的绑定码。")
        return render(request, "accounts/otp_code.html", {"form": form, "required": required,
                                                          "user_enrolling": user}, status=status)
    device = otp.pending_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.verify(device, form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.pop(ENROL_OK, None)
            codes = otp.new_recovery_codes(user)
            record("auth.otp_enrolled", actor=user, obj=user, summary="启用双因素认证（动态验证码），生成10个恢复码")
            if pending is not None:
                request.session.pop(PENDING, None)
                _complete_sign_in(request, user, method=pending.get("method", "本地密码"), device=device)
                messages.success(request, "双因素认证已启用。以后登录须输入验证器上的动态验证码。")
                return _recovery_page(request, codes, next_url=pending.get("next") or reverse("web:home"))
            messages.success(request, "双因素认证已启用。")
            return _recovery_page(request, codes, next_url=reverse("accounts:two_factor"))
        record("auth.otp_failed", actor=user, obj=user, result="failed", summary="启用双因素认证时验证码错误")
        form.add_error("token", "验证码不正确：请确认手机时间准确，并输入验证器上当前显示的6位数字。")
    response = render(request, "accounts/otp_enrol.html", {
        "form": form, "qr": otp.qr_data_uri(device), "secret": otp.secret_base32(device),
        "required": required, "user_enrolling": user,
    })
    response["Cache-Control"] = "no-store"  # the page carries the seed
    return response


@login_required
def two_factor(request):
    policy = SecurityPolicy.current()
    required = request.user.must_use_second_factor(policy)
    enabled = otp.has_device(request.user)
    if request.method == "POST":
        if request.POST.get("action") == "recovery" and enabled:
            codes = otp.new_recovery_codes(request.user)
            record("auth.recovery_renewed", actor=request.user, obj=request.user, summary="重新生成恢复码（原恢复码作废）")
            return _recovery_page(request, codes, next_url=reverse("accounts:two_factor"))
        if required:
            messages.error(request, "安全策略要求您的账号使用双因素认证，不能关闭。")
        else:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            TOTPDevice.objects.filter(user=request.user).delete()
            RecoveryCode.objects.filter(user=request.user).delete()
            record("auth.otp_disabled", actor=request.user, obj=request.user, summary="关闭双因素认证")
            messages.success(request, "双因素认证已关闭。")
        return redirect("accounts:two_factor")
    return render(request, "accounts/two_factor.html", {
        "enabled": enabled, "required": required, "recovery_left": otp.recovery_codes_left(request.user)})


@sensitive_post_parameters("first_half", "second_half", "password1", "password2")
def setup(request):
    """First sign-in or a reset password: the person sets a password of their own with
    the two halves of the set-up code the administrators gave them. Throttled and
    counted like sign-in (a wrong code is a failed sign-in)."""
    form = SetupForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        address = client_address(request)
        lock = active_lock(username, address)
        if sign_in_throttled(username, address, path=request.path):
            form.add_error(None, THROTTLED_MESSAGE)
            status = 429
        elif lock is not None:
            form.add_error(None, lock_message(lock))
        else:
            try:
                approvals.complete_setup(username, form.cleaned_data["first_half"], form.cleaned_data["second_half"],
                                         form.cleaned_data["password1"])
            except approvals.SetupError as exc:
                record("auth.setup_failed", obj=User.objects.filter(username=username).first(), result="failed",
                       summary=f"开通码错误：{username[:50]}")
                lock = note_failure(username, address)
                form.add_error(None, lock_message(lock) if lock is not None else str(exc))
            except ValidationError as exc:
                form.add_error("password1", exc)
            else:
                messages.success(request, "密码已设置，请用新密码登录。")
                return redirect("accounts:login")
    return render(request, "accounts/setup.html", {"form": form, "days": approvals.CODE_DAYS}, status=status)


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
    """Ends the session; a person who signed in through a provider that has its own
    sign-out (unified identity) is sent there next, ending that session too."""
    user = request.user if request.user.is_authenticated else None
    then = request.session.get(LOGOUT_URL)
    if user is not None:
        record("auth.logout", actor=user, obj=user, summary="退出登录" + ("（同时退出统一身份认证）" if then else ""))
    end_session(request)
    if then:
        # A page that moves on by itself: the sign-in form's CSP (form-action 'self')
        # forbids a redirect of the form post to another site.
        return render(request, "accounts/signing_out.html", {"then": then})
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
