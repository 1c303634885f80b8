"""Forms of the work plan: a milestone, its completion, its reopening."""
from __future__ import annotations

from django import forms
from django.utils import timezone

from .models import Milestone


class VersionedForm(forms.Form):
    """Carries the version the person saw, for optimistic locking."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MilestoneForm(forms.ModelForm):
    """Add or edit a milestone. `units` are the units this person may choose."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    class Meta:
        model = Milestone
        fields = ["title", "due", "unit", "owner", "is_measurable"]
        labels = {"title": "节点内容", "due": "完成时间", "unit": "责任单位", "owner": "责任人",
                  "is_measurable": "可量化（有明确的数量或标准）"}
        widgets = {
            "title": forms.TextInput(attrs={"size": 40, "placeholder": "做什么，做到什么程度"}),
            "due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "owner": forms.TextInput(attrs={"size": 10, "placeholder": "姓名"}),
        }
        help_texts = {"is_measurable": ""}

    def __init__(self, *args, units, default_unit=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "请填写节点内容"
        self.fields["due"].required = True
        self.fields["due"].error_messages.update(required="请填写完成时间", invalid="完成时间格式应为 2026-06-30")
        self.fields["unit"].required = True
        self.fields["unit"].error_messages.update(required="请选择责任单位", invalid_choice="只能选择本任务中您可以安排的单位")
        self.fields["unit"].queryset = self.fields["unit"].queryset.filter(pk__in=[u.pk for u in units])
        self.fields["unit"].empty_label = None if len(units) == 1 else "请选择"
        if not self.instance.pk:
            if len(units) == 1:
                self.initial.setdefault("unit", units[0].pk)
            elif default_unit is not None and default_unit in units:
                self.initial.setdefault("unit", default_unit.pk)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("请填写节点内容")
        return title

    def clean_owner(self):
        return self.cleaned_data["owner"].strip()


class CompleteForm(VersionedForm):
    done_on = forms.DateField(label="完成日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages={"required": "请填写完成日期", "invalid": "完成日期格式应为 2026-06-30"})
    evidence = forms.CharField(label="完成情况说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                               error_messages={"required": "请填写完成情况说明（做了什么、有何佐证）"})

    def __init__(self, *args, as_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.as_of = as_of or timezone.localdate()
        self.initial.setdefault("done_on", self.as_of)

    def clean_done_on(self):
        day = self.cleaned_data["done_on"]
        if day > self.as_of:
            raise forms.ValidationError(f"完成日期不能晚于今天（{self.as_of:%Y-%m-%d}）")
        return day

    def clean_evidence(self):
        text = self.cleaned_data["evidence"].strip()
        if not text:
            raise forms.ValidationError("请填写完成情况说明（做了什么、有何佐证）")
        return text


class ReopenForm(VersionedForm):
    reason = forms.CharField(label="重新打开原因", max_length=300, widget=forms.TextInput(attrs={"size": 40}),
                             error_messages={"required": "请填写重新打开的原因"})

    def clean_reason(self):
        text = self.cleaned_data["reason"].strip()
        if not text:
            raise forms.ValidationError("请填写重新打开的原因")
        return text


class DeleteForm(VersionedForm):
    pass
