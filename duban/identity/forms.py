from __future__ import annotations

import ldap.dn
from django import forms

from duban.org.models import Unit

from .models import DirectoryRule


class DirectoryRuleForm(forms.ModelForm):
    class Meta:
        model = DirectoryRule
        fields = ["position", "kind", "dn", "unit_mode", "unit", "role"]
        widgets = {"dn": forms.TextInput(attrs={"placeholder": "如 ou=区发改委,ou=people,dc=example,dc=gov,dc=cn"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_collective=False).order_by("name")
        self.fields["role"].help_text = "不指定：本规则只决定单位"
        self.fields["role"].choices = [("", "不指定角色")] + [c for c in self.fields["role"].choices if c[0]]
        self.fields["unit"].empty_label = "不指定单位"
        self.fields["position"].help_text = "数字小的先匹配"

    def clean_dn(self):
        dn = self.cleaned_data["dn"].strip()
        if not ldap.dn.is_dn(dn) or "=" not in dn:
            raise forms.ValidationError("目录位置（DN）格式不正确，应形如 ou=某单位,dc=example,dc=cn")
        return dn

    def clean(self):
        data = super().clean()
        mode, unit, role = data.get("unit_mode"), data.get("unit"), data.get("role")
        if mode == DirectoryRule.UnitMode.FIXED and unit is None:
            self.add_error("unit", "选择“指定单位”时必须选一个单位")
        if mode != DirectoryRule.UnitMode.FIXED:
            data["unit"] = None
        if mode == DirectoryRule.UnitMode.NONE and not role:
            raise forms.ValidationError("规则既不指定单位也不指定角色，没有作用：请至少选择一项")
        return data
