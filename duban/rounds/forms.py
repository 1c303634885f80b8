from __future__ import annotations

from django import forms
from django.conf import settings

from duban.org.models import Leader, Unit
from duban.plans.models import Plan, Section, Task

from .models import Cadence, ProgressStatus, Report, ScopeKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COORD_ROWS_EXTRA = 2


class RoundForm(forms.Form):
    name = forms.CharField(label="调度名称", max_length=100, help_text="如：2026年11月调度")
    plan = forms.ModelChoiceField(label="分工方案", queryset=Plan.objects.all(), empty_label="请选择分工方案")
    period_start = forms.DateField(label="调度期起", widget=DATE)
    period_end = forms.DateField(label="调度期止", widget=DATE)
    opens_on = forms.DateField(label="开始填报日期", widget=DATE)
    due_on = forms.DateField(label="报送截止日期", widget=DATE)
    scope_kind = forms.ChoiceField(label="调度范围", choices=ScopeKind.choices, initial=ScopeKind.PLAN,
                                   widget=forms.RadioSelect)
    sections = forms.ModelMultipleChoiceField(label="调度章节", queryset=Section.objects.select_related("plan"),
                                              required=False, widget=forms.CheckboxSelectMultiple)
    tasks = forms.ModelMultipleChoiceField(label="调度任务", required=False,
                                           queryset=Task.objects.active().select_related("plan"),
                                           widget=forms.SelectMultiple(attrs={"size": 12}))
    requires_head_approval = forms.BooleanField(label="报送前须单位负责人审核", required=False)

    def clean(self):
        data = super().clean()
        plan = data.get("plan")
        if data.get("period_start") and data.get("period_end") and data["period_start"] > data["period_end"]:
            self.add_error("period_end", "调度期止不能早于调度期起")
        if data.get("opens_on") and data.get("due_on") and data["due_on"] < data["opens_on"]:
            self.add_error("due_on", "报送截止日期不能早于开始填报日期")
        if plan:
            if data.get("scope_kind") == ScopeKind.SECTIONS:
                if not data.get("sections"):
                    self.add_error("sections", "请至少选择一个章节")
                elif any(s.plan_id != plan.pk for s in data["sections"]):
                    self.add_error("sections", "所选章节不属于该方案")
            if data.get("scope_kind") == ScopeKind.TASKS:
                if not data.get("tasks"):
                    self.add_error("tasks", "请至少选择一项任务")
                elif any(t.plan_id != plan.pk for t in data["tasks"]):
                    self.add_error("tasks", "所选任务不属于该方案")
        return data


class CadenceForm(forms.ModelForm):
    class Meta:
        model = Cadence
        fields = ["plan", "frequency", "open_days_before_end", "due_day_offset", "requires_head_approval", "starts_on"]
        widgets = {"starts_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].empty_label = "请选择分工方案"


def addressee_choices() -> list[tuple[str, str]]:
    leaders = [(f"leader:{x.pk}", f"区领导：{x.name}") for x in Leader.objects.order_by("id")]
    units = [(f"unit:{u.pk}", f"单位：{u.name}") for u in Unit.objects.filter(is_collective=False).order_by("name")]
    return [("", "—— 请选择提请对象 ——")] + leaders + units


class ReportForm(forms.Form):
    """The report editor. `version` is the version the editor started from."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    progress_status = forms.ChoiceField(label="推进状态", choices=[("", "—— 请选择 ——")] + ProgressStatus.choices,
                                        required=False)
    percent = forms.IntegerField(label="完成进度（%）", min_value=0, max_value=100, required=False,
                                 error_messages={"min_value": "完成进度不能小于 0", "max_value": "完成进度不能大于 100",
                                                 "invalid": "完成进度必须是整数"})
    progress = forms.CharField(label="进展情况", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    problems = forms.CharField(label="存在问题", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_steps = forms.CharField(label="下一步计划", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, report: Report, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.target_fields = []
        actual = {a.target_id: a.value for a in report.actuals.all()}
        for t in report.task.targets.all():
            name = f"target_{t.pk}"
            self.fields[name] = forms.DecimalField(
                label=f"{t}（实际完成值{('，' + t.unit) if t.unit else ''}）", required=False, max_digits=20,
                decimal_places=4, error_messages={"invalid": f"指标“{t}”的完成值必须是数字"},
            )
            if not self.is_bound:
                v = actual.get(t.pk)
                self.initial[name] = None if v is None else v.normalize()
            self.target_fields.append((t, name))
        choices = addressee_choices()
        items = list(report.coordination or [])
        self.coord_rows = []
        for i in range(len(items) + COORD_ROWS_EXTRA):
            to, text = f"coord_to_{i}", f"coord_text_{i}"
            self.fields[to] = forms.ChoiceField(label="提请对象", choices=choices, required=False)
            self.fields[text] = forms.CharField(label="需协调事项", required=False,
                                                widget=forms.Textarea(attrs={"rows": 2}))
            if not self.is_bound and i < len(items):
                self.initial[to] = items[i].get("to", "")
                self.initial[text] = items[i].get("text", "")
            self.coord_rows.append((to, text))

    def clean(self):
        data = super().clean()
        for to, text in self.coord_rows:
            if (data.get(text) or "").strip() and not data.get(to):
                self.add_error(to, "请选择该协调事项提请的领导或单位")
        return data

    def content(self) -> dict:
        d = self.cleaned_data
        return {
            "progress_status": d.get("progress_status") or "",
            "percent": d.get("percent"),
            "progress": d.get("progress") or "",
            "problems": d.get("problems") or "",
            "next_steps": d.get("next_steps") or "",
            "coordination": [
                {"to": d.get(to), "text": d.get(text).strip()}
                for to, text in self.coord_rows if (d.get(text) or "").strip()
            ],
        }

    def actuals(self) -> dict:
        return {t.pk: self.cleaned_data.get(name) for t, name in self.target_fields}


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写退回原因"})


# What the file chooser offers (a phone also offers its camera for image/*); the server
# still decides by content (duban.lib.uploads).
EVIDENCE_ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png,.txt,image/jpeg,image/png,application/pdf"


class AttachmentForm(forms.Form):
    file = forms.FileField(label="佐证材料", help_text="支持 PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG、TXT",
                           widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
                           error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空文件"})

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.DUBAN_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"文件过大，上限为 {settings.DUBAN_MAX_UPLOAD_BYTES // 1024 // 1024} MB")
        return f


class SheetUploadForm(forms.Form):
    file = forms.FileField(label="填好的调度报表（.xlsx）", error_messages={"required": "请选择要上传的报表"})
    submit = forms.BooleanField(label="导入后直接报送", required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.DUBAN_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"文件过大，上限为 {settings.DUBAN_MAX_UPLOAD_BYTES // 1024 // 1024} MB")
        return f


class ResponseForm(forms.Form):
    response = forms.CharField(label="办理答复", required=False, widget=forms.Textarea(attrs={"rows": 2}))
