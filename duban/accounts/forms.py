from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from duban.audit.log import record
from duban.audit.middleware import client_address
from duban.lib.concurrency import fingerprint, fingerprint_field
from duban.org.models import Leader, Unit

from .lockout import active_lock, lock_message, note_failure
from .models import ADMIN_ROLES, Role, User


class SignInForm(AuthenticationForm):
    """User name and password, refused while the account or the address is locked."""

    error_messages = {
        "invalid_login": "用户名或密码不正确（区分大小写）。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return self.cleaned_data
        address = client_address(self.request)
        lock = active_lock(username, address)
        if lock is not None:
            record("auth.login_denied", summary=f"锁定期间尝试登录：{username[:50]}", result="denied",
                   obj=User.objects.filter(username=username).first())
            raise forms.ValidationError(lock_message(lock), code="locked")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            record("auth.login_failed", summary=f"登录失败（密码错误或账号停用）：{username[:50]}", result="failed",
                   obj=User.objects.filter(username=username).first())
            lock = note_failure(username, address)
            if lock is not None:
                raise forms.ValidationError(lock_message(lock), code="locked")
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class TokenForm(forms.Form):
    token = forms.CharField(label="动态验证码", max_length=8, min_length=6,
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
        self.fields["unit"].help_text = "单位联络员、单位负责人必填"
        self.fields["leader"].help_text = "区领导账号必填"
        if self.instance.pk is None:
            del self.fields["fingerprint"]  # a new account: nothing to compare
        elif not self.is_bound:
            self.initial["fingerprint"] = fingerprint(self.instance, self.Meta.fields)
