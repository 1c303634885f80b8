"""The dashboards' filters (read from the query string) and the league weights form."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django import forms

from duban.lib.concurrency import fingerprint, fingerprint_field
from duban.plans.models import Category, Plan, Section, current_year

from .models import LeagueWeights

EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ScopeFields(forms.Form):
    """事项类别 and 年度, shared by the dashboards' filters. Without a year in the
    address the current year (the newest with any 督办事项) is shown, unless a plan is
    chosen (the plan has its year); "全部年度" (an empty year) shows every year."""

    category = forms.ChoiceField(label="事项类别", choices=[("", "全部类别")] + Category.choices, required=False,
                                 error_messages={"invalid_choice": "所选事项类别不存在，已显示全部类别"})
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None,
                                  error_messages={"invalid_choice": "所选年度没有督办事项，已显示全部年度"})

    def _setup_scope(self, data) -> None:
        years = sorted(set(Plan.objects.order_by().values_list("year", flat=True)), reverse=True)
        self.fields["year"].choices = [("", "全部年度")] + [(y, f"{y}年") for y in years]
        self.default_year = None
        if (data is None or "year" not in data) and not ((data or {}).get("plan") or (data or {}).get("section")):
            self.default_year = current_year()
            if self.default_year is not None:  # shown selected: the form is bound, its data is what it shows
                self.data = self.data.copy() if hasattr(self.data, "copy") else dict(self.data)
                self.data["year"] = str(self.default_year)

    def scope(self) -> dict:
        """{plan, category, year}: what the figures cover (invalid fields left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"plan": data.get("plan"), "category": data.get("category") or None,
                "year": data.get("year") or self.default_year}

    def scope_query(self) -> str:
        """The scope as ledger filters (the ledger reads the same names)."""
        s = self.scope()
        q = {}
        if s["plan"]:
            q["plan"] = s["plan"].pk
        if s["category"]:
            q["category"] = s["category"]
        q["year"] = s["year"] or ""  # empty: every year (the ledger's own default is the newest)
        return urlencode(q)

    def scope_label(self) -> str:
        s = self.scope()
        parts = [f"{s['year']}年" if s["year"] else "全部年度", Category(s["category"]).label if s["category"] else "全部类别"]
        return "·".join(parts)


class FilterForm(ScopeFields):
    """统计日期, 事项类别, 年度 and 方案或台账. An invalid value is reported on its field (in
    Chinese, with what was given) and left out: the page then shows today's figures,
    all kinds, all plans."""

    as_of = forms.CharField(label="统计日期", required=False, max_length=30, widget=DateInput())
    plan = forms.ModelChoiceField(Plan.objects.all(), label="方案或台账", required=False, empty_label="全部",
                                  error_messages={"invalid_choice": "所选分工方案不存在，已显示全部方案"})

    field_order = ["as_of", "category", "year", "plan"]

    def __init__(self, data, *, today: dt.date):
        super().__init__(data, label_suffix="")
        self.today = today
        self._setup_scope(data)

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


class MatrixForm(ScopeFields):
    ORDERS = [("trouble", "红黄灯多的单位在前"), ("name", "按单位名称")]

    field_order = ["category", "year", "plan", "section", "order"]
    plan = forms.ModelChoiceField(Plan.objects.all(), label="方案或台账", required=False, empty_label="全部",
                                  error_messages={"invalid_choice": "所选分工方案不存在，已显示全部方案"})
    section = forms.ModelChoiceField(Section.objects.select_related("plan"), label="部分", required=False,
                                     empty_label="全部", error_messages={"invalid_choice": "所选部分不存在，已显示全部"})
    order = forms.ChoiceField(label="单位排序", choices=ORDERS, required=False)
    page = forms.IntegerField(label="页码", required=False, min_value=1, widget=forms.HiddenInput,
                              error_messages={"invalid": "页码应为正整数，已显示第 1 页",
                                              "min_value": "页码应为正整数，已显示第 1 页"})

    def __init__(self, data):
        super().__init__(data, label_suffix="")
        self._setup_scope(data)

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
        return {**self.scope(), "section": data.get("section"), "order": data.get("order") or "trouble",
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
