from __future__ import annotations

from django import forms

from duban.lib import outbound

from .models import Preference, UnitRobot


def robot_url(url: str, label: str) -> str:
    """A robot URL the outgoing-request rules allow (duban.lib.outbound), or a Chinese
    ValidationError saying why not."""
    if not url:
        return url
    try:
        outbound.check_url(url)
    except outbound.Refused as exc:
        raise forms.ValidationError(f"{label}不能使用：{exc}") from None
    return url


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

    def clean_wecom_url(self):
        return robot_url(self.cleaned_data.get("wecom_url", ""), "企业微信机器人地址")

    def clean_dingtalk_url(self):
        return robot_url(self.cleaned_data.get("dingtalk_url", ""), "钉钉机器人地址")

    def clean(self):
        data = super().clean()
        if data.get("email") and not data.get("address"):
            self.add_error("address", "选择电子邮件通知时请填写邮箱地址")
        return data


class UnitRobotForm(forms.ModelForm):
    """A group robot for the person's own unit (the unit is set by the view)."""

    url = forms.URLField(label="机器人地址", max_length=500, assume_scheme="https",
                         error_messages={"invalid": "机器人地址应为 http(s):// 开头的网址",
                                         "required": "请填写机器人地址"})

    class Meta:
        model = UnitRobot
        fields = ["channel", "url"]
        error_messages = {"channel": {"required": "请选择渠道", "invalid_choice": "渠道只能是企业微信或钉钉"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", "请选择渠道")] + [c for c in self.fields["channel"].choices if c[0]]

    def clean_url(self):
        return robot_url(self.cleaned_data["url"], "机器人地址")

    def clean(self):
        data = super().clean()
        unit = self.instance.unit if self.instance.unit_id else None
        if unit and data.get("url") and UnitRobot.objects.filter(unit=unit, url=data["url"]).exists():
            self.add_error("url", "本单位已添加过这个机器人地址")
        return data


