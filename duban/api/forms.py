"""Forms of the API pages: a new personal token, a new webhook."""
from __future__ import annotations

import datetime as dt
import secrets

from django import forms
from django.utils import timezone

from duban.lib import outbound
from duban.plans.models import Plan

from .models import ApiToken, Webhook

EXPIRY_CHOICES = [("30", "30天"), ("90", "90天"), ("180", "180天"), ("365", "一年"), ("never", "长期有效（不建议）")]
MAX_TOKENS = 10


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=60, help_text="如：本单位 OA 系统同步台账",
                           error_messages={"required": "请填写令牌的用途", "max_length": "用途不能超过60个字"})
    expires = forms.ChoiceField(label="有效期", choices=EXPIRY_CHOICES, initial="90",
                                error_messages={"required": "请选择有效期", "invalid_choice": "请选择列出的有效期"})

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("请填写令牌的用途")
        return name

    def clean(self):
        data = super().clean()
        if ApiToken.objects.filter(user=self.user).usable().count() >= MAX_TOKENS:
            raise forms.ValidationError(f"每人最多保留 {MAX_TOKENS} 个有效令牌，请先撤销不用的令牌")
        return data

    def expires_at(self) -> dt.datetime | None:
        value = self.cleaned_data["expires"]
        return None if value == "never" else timezone.now() + dt.timedelta(days=int(value))


class WebhookForm(forms.ModelForm):
    secret = forms.CharField(label="签名密钥", required=False, min_length=16, max_length=128,
                             help_text="接收方用它验证消息来自本系统；留空则自动生成（只在保存后显示一次）",
                             error_messages={"min_length": "签名密钥至少16个字符", "max_length": "签名密钥不能超过128个字符"})

    class Meta:
        model = Webhook
        fields = ["name", "url", "plan", "secret"]
        labels = {"plan": "限定方案"}
        help_texts = {"url": "接收系统的地址，以 http:// 或 https:// 开头；主机须在安全管理员的外发地址白名单中", "plan": "留空表示所有方案的任务"}
        error_messages = {"name": {"required": "请填写名称"}, "url": {"required": "请填写接收地址"}}
        widgets = {"url": forms.TextInput(attrs={"size": 60, "placeholder": "http://oa.example.gov/duban-hook"})}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = Plan.objects.order_by("-year", "-id")
        self.fields["plan"].required = False
        self.fields["plan"].empty_label = "全部方案"
        self.generated_secret = ""

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        try:
            outbound.check_url(url)
        except outbound.Refused as exc:
            raise forms.ValidationError(f"接收地址不能使用：{exc}") from None
        return url

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "").strip()
        if not secret:
            secret = self.generated_secret = secrets.token_urlsafe(32)
        return secret
