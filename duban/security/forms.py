from django import forms
from django.conf import settings

from .models import SecurityPolicy


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        exclude = ["updated_by"]

    def clean_session_absolute_hours(self):
        hours = self.cleaned_data["session_absolute_hours"]
        cap = settings.SESSION_COOKIE_AGE // 3600
        if hours > cap:
            raise forms.ValidationError(f"会话最长时间不能超过部署配置的{cap}小时（DUBAN_SESSION_ABSOLUTE_HOURS）")
        return hours
