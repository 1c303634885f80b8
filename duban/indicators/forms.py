from __future__ import annotations

from decimal import Decimal

from django import forms

from duban.lib.concurrency import fingerprint_field
from duban.plans.models import Comparator, Plan, Target

from .actions import indicator_fingerprint
from duban.status.forecast import STATE_LABELS
from .permissions import ALL_FIELDS, editable_fields


def _decimal(label: str, *, required: bool) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=20, decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "required": f"请填写{label}",
            "invalid": f"{label}必须是数字，如 1000 或 4.5",
            "max_digits": f"{label}的位数过多（最多 20 位数字）",
            "max_decimal_places": f"{label}最多保留 4 位小数",
            "max_whole_digits": f"{label}的整数部分最多 16 位",
        },
    )


def _plain(value):
    """A stored decimal as typed (2000, not 2000.0000 nor 2E+3)."""
    return Decimal(format(value.normalize(), "f")) if isinstance(value, Decimal) else value


class IndicatorForm(forms.Form):
    """Add (no instance) or edit an indicator. Editing a parsed indicator leaves only
    the baseline open: the other fields are shown, disabled, as the plan says."""

    text = forms.CharField(label="指标名称", max_length=200, help_text="如：新增就业岗位",
                           error_messages={"required": "请填写指标名称", "max_length": "指标名称不能超过 200 个字"})
    comparator = forms.ChoiceField(label="要求", choices=Comparator.choices, initial=Comparator.GE,
                                   error_messages={"invalid_choice": "请选择要求（不低于、超过、不超过、左右或达到）"})
    value = _decimal("目标值", required=True)
    unit = forms.CharField(label="计量单位", max_length=20, required=False, help_text="如：个、家、%、亿元",
                           error_messages={"max_length": "计量单位不能超过 20 个字"})
    baseline = _decimal("基数", required=False)

    def __init__(self, *args, instance: Target | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["baseline"].help_text = "方案起始时的数值，可不填；填写后作为预测的起点"
        if instance is not None:
            self.fields["fingerprint"] = fingerprint_field()
            for name in ALL_FIELDS:  # disabled fields take their value from here even when bound
                self.initial[name] = _plain(getattr(instance, name))
            if not self.is_bound:
                self.initial["fingerprint"] = indicator_fingerprint(instance)
            open_fields = editable_fields(instance)
            for name in ALL_FIELDS:
                if name not in open_fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "以方案原文为准，不可修改"

    def clean_text(self):
        return self.cleaned_data["text"].strip()

    def clean_unit(self):
        return (self.cleaned_data.get("unit") or "").strip()

    def values(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in ALL_FIELDS}


class FilterForm(forms.Form):
    plan = forms.ModelChoiceField(label="分工方案", queryset=Plan.objects.all(), required=False, empty_label="全部方案")
    state = forms.ChoiceField(label="预测情况", required=False,
                              choices=[("", "全部")] + list(STATE_LABELS.items()))
