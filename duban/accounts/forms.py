from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from duban.audit.log import record
from duban.audit.middleware import client_address
from duban.lib.concurrency import fingerprint, fingerprint_field
from duban.org.models import Leader, Unit

from .lockout import (THROTTLED_MESSAGE, Refused, active_lock, begin_attempt, end_attempt, lock_message,
                      sign_in_throttled)
from .models import ADMIN_ROLES, Role, User


class SignInForm(AuthenticationForm):
    """User name and password, refused while the account or the address is locked."""

    error_messages = {
        "invalid_login": "用户名或密码不正确（区分大小写）。",
        "inactive": "该账号已停用或正待安全管理员审批，请联系系统管理员。",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        address = client_address(self.request)
        if sign_in_throttled(username, address, path=self.request.path):
            raise forms.ValidationError(THROTTLED_MESSAGE, code="throttled")
        try:
            # Stored as a failure before the password is checked, so attempts sent at
            # once are counted exactly (duban.accounts.lockout).
            attempt = begin_attempt(username, address)
        except Refused as refused:
            record("auth.login_denied", result="denied", obj=User.objects.filter(username=username).first(),
                   summary=(f"锁定期间尝试登录：{username[:50]}" if refused.lock is not None
                            else f"同时进行的登录尝试已达上限，未核验密码：{username[:50]}"))
            raise forms.ValidationError(str(refused), code="locked") from None
        self.user_cache = authenticate(self.request, username=username, password=password)
        lock = end_attempt(attempt, ok=self.user_cache is not None)
        if self.user_cache is None:
            record("auth.login_failed", summary=f"登录失败（密码错误或账号停用）：{username[:50]}", result="failed",
                   obj=User.objects.filter(username=username).first())
            if lock is not None:
                raise forms.ValidationError(lock_message(lock), code="locked")
            raise self.get_invalid_login_error()
        lock = active_lock(username, address)
        if lock is not None:  # locked by other attempts while this one was checked
            record("auth.login_denied", summary=f"锁定期间尝试登录：{username[:50]}", result="denied",
                   obj=self.user_cache)
            self.user_cache = None
            raise forms.ValidationError(lock_message(lock), code="locked")
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SetupForm(forms.Form):
    """A person sets their own password with the two halves of a set-up code
    (duban.accounts.approvals)."""

    username = forms.CharField(label="用户名", max_length=150)
    first_half = forms.CharField(label="开通码前半段（系统管理员告知）", max_length=20,
                                 widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "XXXX-XXXX"}))
    second_half = forms.CharField(label="开通码后半段（安全管理员告知）", max_length=20,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "XXXX-XXXX"}))
    password1 = forms.CharField(label="新密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="再次输入新密码", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的新密码不一致")
        return data


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(label="绑定码", max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "XXXX-XXXX",
                                                         "autofocus": True}))


class TokenForm(forms.Form):
    token = forms.CharField(label="动态验证码", max_length=12, min_length=6,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


class UserForm(forms.ModelForm):
    """Accounts the system administrator manages: every role but the three
    administrative ones, which only the server's `duban create_admin` command makes."""

    role = forms.ChoiceField(label="角色", choices=[(r.value, r.label) for r in Role if r not in ADMIN_ROLES])
    fingerprint = fingerprint_field()  # the account as shown (duban.lib.concurrency), when editing

    class Meta:
        model = User
        fields = ["username", "full_name", "phone", "role", "unit", "leader"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.order_by("name")
        self.fields["leader"].queryset = Leader.objects.order_by("name")
        self.fields["username"].help_text = "字母、数字和 @/./+/-/_，登录时使用"
        self.fields["unit"].empty_label = "无（不属于单位）"
        self.fields["leader"].empty_label = "无（不是区领导）"
        self.fields["unit"].help_text = "单位联络员、单位负责人必填"
        self.fields["leader"].help_text = "区领导账号必填"
        if self.instance.pk is None:
            del self.fields["fingerprint"]  # a new account: nothing to compare
        elif not self.is_bound:
            self.initial["fingerprint"] = fingerprint(self.instance, self.Meta.fields)
