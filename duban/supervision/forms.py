from __future__ import annotations

from django import forms

from duban.lib.concurrency import fingerprint, fingerprint_field
from duban.org.models import Unit

from .models import Notice, StatusRules


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class NoticeForm(forms.Form):
    level = forms.ChoiceField(label="督办层级", choices=Notice.Level.choices)
    units = forms.ModelMultipleChoiceField(label="督办单位", queryset=Unit.objects.none(),
                                           widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": "请至少选择一个督办单位"})
    facts = forms.CharField(label="督办事项", widget=forms.Textarea(attrs={"rows": 5}),
                            error_messages={"required": "请填写督办事项"})
    requirement = forms.CharField(label="办理要求", widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"required": "请填写办理要求"})
    reply_by = forms.DateField(label="回复期限", widget=DateInput(),
                               error_messages={"required": "请填写回复期限", "invalid": "回复期限应为日期，如 2026-12-05"})

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(assignments__task=task, is_collective=False).distinct()
        # Collective tasks (各部门): any unit may be named.
        if task.assignments.filter(unit__is_collective=True).exists():
            self.fields["units"].queryset = Unit.objects.filter(is_collective=False)


EVIDENCE_ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png,.txt,image/jpeg,image/png,application/pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several evidence files in one input (Django's documented pattern); the type and
    size rules are the action's (duban.lib.uploads), as for report attachments."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "佐证材料")
        kwargs.setdefault("help_text", "可选多个文件；支持 PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG、TXT")
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class EvidenceFormMixin:
    def uploaded(self) -> list[tuple[str, bytes]]:
        """The chosen files as (name, bytes), for the action to check and store."""
        return [(f.name, f.read()) for f in self.cleaned_data.get("files") or []]


class ReplyForm(EvidenceFormMixin, forms.Form):
    text = forms.CharField(label="回复内容", widget=forms.Textarea(attrs={"rows": 5}), error_messages={"required": "请填写回复内容"})
    files = EvidenceFilesField()


class CloseForm(forms.Form):
    note = forms.CharField(label="办结意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(label="申请延至", widget=DateInput(),
                                   error_messages={"required": "请填写申请延至的日期", "invalid": "日期格式应为 2026-12-31"})
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "请填写延期理由"})


class DecisionForm(forms.Form):
    note = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompletionForm(EvidenceFormMixin, forms.Form):
    evidence = forms.CharField(label="完成情况及佐证", widget=forms.Textarea(attrs={"rows": 4}),
                               error_messages={"required": "请填写完成情况及佐证"})
    files = EvidenceFilesField()


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": "请填写原因"})


class InstructionForm(forms.Form):
    text = forms.CharField(label="批示内容", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "请填写批示内容"})


class StatusRulesForm(forms.ModelForm):
    fingerprint = fingerprint_field()  # the rules as shown (duban.lib.concurrency)

    class Meta:
        model = StatusRules
        fields = ["red_when_overdue", "red_missed_rounds", "yellow_days_before", "yellow_milestone_overdue",
                  "yellow_report_returned", "yellow_lag_points", "yellow_forecast_miss", "reminder_days",
                  "extension_needs_leader"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["fingerprint"] = fingerprint(self.instance, self.Meta.fields)

    def clean_reminder_days(self):
        raw = self.cleaned_data["reminder_days"].replace("，", ",")
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        bad = [p for p in parts if not p.isdigit() or int(p) <= 0 or int(p) > 365]
        if bad:
            raise forms.ValidationError(f"提前天数应为 1 到 365 的整数，用逗号分隔；“{'、'.join(bad)}”不对")
        return ",".join(str(n) for n in sorted({int(p) for p in parts}, reverse=True))
