from __future__ import annotations

from django import forms

from .models import Preference


class PreferenceForm(forms.ModelForm):
    address = forms.EmailField(label="邮箱地址", required=False,
                               error_messages={"invalid": "邮箱地址格式不对，如 zhang@example.gov.cn"})

    wecom_url = forms.URLField(label="企业微信机器人地址", required=False, max_length=500, assume_scheme="https",
                               error_messages={"invalid": "企业微信机器人地址应为 http(s):// 开头的网址"})
    dingtalk_url = forms.URLField(label="钉钉机器人地址", required=False, max_length=500, assume_scheme="https",
                                  error_messages={"invalid": "钉钉机器人地址应为 http(s):// 开头的网址"})

    class Meta:
        model = Preference
        fields = ["email", "wecom_url", "dingtalk_url"]

    def clean(self):
        data = super().clean()
        if data.get("email") and not data.get("address"):
            self.add_error("address", "选择电子邮件通知时请填写邮箱地址")
        return data
