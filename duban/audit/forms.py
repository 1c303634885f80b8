from django import forms

from .labels import ACTION_LABELS
from .models import Event


class EventFilterForm(forms.Form):
    start = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.CharField(label="操作人", required=False, max_length=150)
    action = forms.CharField(label="操作", required=False, max_length=50,
                             widget=forms.TextInput(attrs={"list": "audit-actions"}),
                             help_text="操作名称或其中几个字，如“登录”“退回调度报告”")
    result = forms.ChoiceField(label="结果", required=False, choices=[("", "全部"), *Event.Result.choices])
    address = forms.CharField(label="来源地址", required=False, max_length=45)
    obj = forms.CharField(label="对象", required=False, max_length=100,
                          help_text="对象类别，可加编号，如“重点任务”“账号 12”")

    # The names the action field offers as the auditor types (a <datalist>).
    action_names = sorted(set(ACTION_LABELS.values()))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("起始日期不能晚于截止日期")
        return data
