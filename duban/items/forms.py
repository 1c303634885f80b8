"""Forms of the item pages. Units are typed as names (the way documents write them:
"区发展改革委、区财政局") and matched with the unit directory, names and aliases."""
from __future__ import annotations

import re

from django import forms

from duban.org.models import Leader, Unit

from .models import AssignedItem, ItemRules, Meeting, Proposal, ProposalContact, Satisfaction, WorkdayOverride

_SPLIT = re.compile(r"[、，,；;\s]+")


def resolve_units(text: str) -> tuple[list[Unit], list[str]]:
    """The units named in `text` and the names not in the directory."""
    found, missing = [], []
    for name in (n for n in _SPLIT.split(text or "") if n):
        unit = Unit.objects.by_name(name)
        if unit is None:
            missing.append(name)
        elif unit not in found:
            found.append(unit)
    return found, missing


class UnitsField(forms.CharField):
    """Unit names separated by 、 or commas → a list of units; a name not in the
    directory is an error that names it."""

    def __init__(self, *, label: str, required: bool, **kwargs):
        super().__init__(label=label, required=required, max_length=500,
                         help_text="多个单位用顿号（、）分隔", error_messages={"required": f"请填写{label}"}, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        units, missing = resolve_units(text)
        if missing:
            raise forms.ValidationError("、".join(f"“{n}”" for n in missing) + "不在单位名录中，请核对名称（可用简称或别名）")
        return units


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": f"请填写{label}", "invalid": f"{label}格式应为 2026-06-30"})


def _text(label: str, *, required: bool = True, max_length: int | None = None, rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    kwargs = {"widget": widget} if widget else {}
    messages = {"required": f"请填写{label}"}
    if max_length:
        messages["max_length"] = f"{label}不能超过 {max_length} 个字"
    return forms.CharField(label=label, required=required, max_length=max_length, error_messages=messages, **kwargs)


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class InstructionForm(_Form):
    leader = forms.ModelChoiceField(Leader.objects.all(), label="批示领导", empty_label="请选择",
                                    error_messages={"required": "请选择批示领导"})
    document_title = _text("来文（报告）标题", max_length=300)
    document_text = _text("来文内容", required=False, rows=4)
    document = forms.FileField(label="来文原件", required=False, help_text="Word、PDF 等，可不上传")
    instruction = _text("批示内容", rows=3)
    instructed_on = _date("批示日期")
    received_on = _date("收文日期")
    workdays = forms.IntegerField(label="办理期限（工作日）", required=False, min_value=1, max_value=250,
                                  help_text="如批示要求“5个工作日内”填 5；与完成时限二选一",
                                  error_messages={"min_value": "工作日天数至少为 1", "max_value": "工作日天数不能超过 250",
                                                  "invalid": "工作日天数应为整数"})
    deadline = _date("完成时限", required=False, help_text="写明具体日期时填写")
    lead_units = UnitsField(label="牵头单位", required=True)
    co_units = UnitsField(label="配合单位", required=False)

    def clean(self):
        data = super().clean()
        if data.get("workdays") and data.get("deadline"):
            self.add_error("deadline", "办理期限（工作日）与完成时限只填一项")
        if data.get("instructed_on") and data.get("received_on") and data["received_on"] < data["instructed_on"]:
            self.add_error("received_on", "收文日期不能早于批示日期")
        _no_overlap(self, data)
        return data


def _no_overlap(form, data) -> None:
    both = {u.pk for u in data.get("lead_units") or []} & {u.pk for u in data.get("co_units") or []}
    if both:
        names = "、".join(u.name for u in data["lead_units"] if u.pk in both)
        form.add_error("co_units", f"{names}已是牵头单位，不能同时作为配合单位")


class SignOffForm(_Form):
    note = _text("阅示意见", required=False, rows=2)


class MeetingForm(_Form):
    kind = forms.ChoiceField(label="会议类型", choices=Meeting.Kind.choices)
    title = _text("会议名称", max_length=200)
    held_on = _date("会议日期")
    chair = _text("主持人", required=False, max_length=50)
    minutes_number = _text("纪要文号", required=False, max_length=100)


class DecisionForm(_Form):
    text = _text("议定事项", rows=3)
    lead_units = UnitsField(label="牵头单位", required=True)
    co_units = UnitsField(label="配合单位", required=False)
    leaders = forms.ModelMultipleChoiceField(Leader.objects.all(), label="牵头领导", required=False)
    deadline = _date("完成时限", required=False)
    deadline_text = _text("时限原文", required=False, max_length=300)

    def clean(self):
        data = super().clean()
        _no_overlap(self, data)
        return data


class ProposalForm(_Form):
    kind = forms.ChoiceField(label="类别", choices=Proposal.Kind.choices)
    number = _text("编号", max_length=30)
    proposers = _text("代表（委员）", max_length=200)
    title = _text("案由（标题）", max_length=500)
    assigned_on = _date("交办日期")
    lead_units = UnitsField(label="主办单位", required=True)
    co_units = UnitsField(label="协办单位", required=False)

    def clean(self):
        data = super().clean()
        _no_overlap(self, data)
        return data


class ContactForm(_Form):
    on = _date("沟通日期")
    way = forms.ChoiceField(label="方式", choices=ProposalContact.Way.choices)
    note = _text("沟通情况", rows=3)


class ReplyForm(_Form):
    replied_on = _date("答复日期")
    text = _text("答复内容摘要", rows=3)
    document = forms.FileField(label="答复件", required=False)


class SatisfactionForm(_Form):
    satisfaction = forms.ChoiceField(label="满意度", choices=Satisfaction.choices,
                                     error_messages={"required": "请选择满意度"})
    note = _text("代表（委员）意见", required=False, rows=2)


class AssignedForm(_Form):
    source = forms.ChoiceField(label="来源", choices=AssignedItem.Source.choices)
    issuer = _text("交办机关", max_length=100)
    doc_number = _text("交办单文号", max_length=100)
    received_on = _date("收到日期")
    title = _text("交办事项", max_length=1000, rows=2)
    problem = _text("问题描述", required=False, rows=3)
    measures = _text("整改措施", required=False, rows=3)
    deadline = _date("完成时限", required=False)
    document = forms.FileField(label="交办单", required=False)
    lead_units = UnitsField(label="牵头单位", required=True)
    co_units = UnitsField(label="配合单位", required=False)

    def clean(self):
        data = super().clean()
        _no_overlap(self, data)
        return data


class RectificationForm(_Form):
    rectified_on = _date("整改完成日期")
    note = _text("整改情况", rows=3)
    evidence = forms.FileField(label="整改佐证", required=False)


class RulesForm(forms.ModelForm):
    class Meta:
        model = ItemRules
        fields = ["proposal_reply_months", "proposal_contact_required", "instruction_default_workdays"]


class WorkdayOverrideForm(forms.ModelForm):
    class Meta:
        model = WorkdayOverride
        fields = ["day", "is_workday", "note"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"})}
        error_messages = {"day": {"unique": "该日期已有调整，请先删除原记录"}}


class CarryOverForm(_Form):
    year = forms.IntegerField(label="结转到年度", min_value=2000, max_value=2100)
    deadline = _date("结转事项完成时限")

    def clean(self):
        data = super().clean()
        if data.get("year") and data.get("deadline") and data["deadline"].year != data["year"]:
            self.add_error("deadline", f"完成时限应在{data['year']}年内")
        return data
