"""The dashboards' filters (read from the query string) and the league weights form."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from duban.plans.models import Plan, Section

from duban.lib.concurrency import fingerprint, fingerprint_field

from .models import LeagueWeights

EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FilterForm(forms.Form):
    """统计日期 and 分工方案. An invalid value is reported on its field (in Chinese, with
    what was given) and left out: the page then shows today's figures, all plans."""

    as_of = forms.CharField(label="统计日期", required=False, max_length=30, widget=DateInput())
    plan = forms.ModelChoiceField(Plan.objects.all(), label="分工方案", required=False, empty_label="全部",
                                  error_messages={"invalid_choice": "所选分工方案不存在，已显示全部方案"})

    def __init__(self, data, *, today: dt.date):
        super().__init__(data, label_suffix="")
        self.today = today

    def clean_as_of(self) -> dt.date | None:
        raw = (self.cleaned_data.get("as_of") or "").strip()
        if not raw:
            return None
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise forms.ValidationError(
                f"统计日期“{raw}”不是有效的日期，请按 2026-11-30 的格式填写；下面显示的是今天（{self.today:%Y-%m-%d}）的数据"
            ) from None
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                f"统计日期“{raw}”超出范围（2000-01-01 至 2099-12-31）；下面显示的是今天（{self.today:%Y-%m-%d}）的数据"
            )
        return day

    def values(self) -> tuple[dt.date, Plan | None]:
        """(as of, plan), invalid fields left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("as_of") or self.today, data.get("plan")


class MatrixForm(forms.Form):
    ORDERS = [("trouble", "红黄灯多的单位在前"), ("name", "按单位名称")]

    plan = forms.ModelChoiceField(Plan.objects.all(), label="分工方案", required=False, empty_label="全部",
                                  error_messages={"invalid_choice": "所选分工方案不存在，已显示全部方案"})
    section = forms.ModelChoiceField(Section.objects.select_related("plan"), label="部分", required=False,
                                     empty_label="全部", error_messages={"invalid_choice": "所选部分不存在，已显示全部"})
    order = forms.ChoiceField(label="单位排序", choices=ORDERS, required=False)
    page = forms.IntegerField(label="页码", required=False, min_value=1, widget=forms.HiddenInput,
                              error_messages={"invalid": "页码应为正整数，已显示第 1 页",
                                              "min_value": "页码应为正整数，已显示第 1 页"})

    def __init__(self, data):
        super().__init__(data, label_suffix="")

    def clean(self):
        data = super().clean()
        plan, section = data.get("plan"), data.get("section")
        if plan and section and section.plan_id != plan.pk:
            self.add_error("section", "所选部分不属于所选分工方案，已显示全部部分")
            data.pop("section", None)
        return data

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"plan": data.get("plan"), "section": data.get("section"), "order": data.get("order") or "trouble",
                "page": data.get("page") or 1}


def _weight_field(label: str) -> forms.DecimalField:
    message = f"{label}应为 0 到 1000 之间的数，最多一位小数"
    return forms.DecimalField(label=label, min_value=Decimal("0"), max_value=Decimal("1000"), max_digits=6,
                              decimal_places=1, error_messages={k: message for k in (
                                  "required", "invalid", "min_value", "max_value", "max_digits", "max_decimal_places",
                                  "max_whole_digits")})


class WeightsForm(forms.ModelForm):
    on_time = _weight_field("按时报送率权重")
    completion = _weight_field("办结率权重")
    returned = _weight_field("每份被退回报告扣分")
    overdue = _weight_field("每项逾期任务扣分")
    fingerprint = fingerprint_field(required=False)  # the weights as shown (duban.lib.concurrency)

    class Meta:
        model = LeagueWeights
        fields = list(LeagueWeights.FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["fingerprint"] = fingerprint(self.instance, LeagueWeights.FIELDS)

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("on_time") or data.get("completion")):
            raise forms.ValidationError("按时报送率权重和办结率权重不能都为 0")
        return data
