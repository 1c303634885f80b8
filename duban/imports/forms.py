from django import forms
from django.conf import settings

ALLOWED_SUFFIXES = (".txt", ".docx", ".pdf", ".xlsx", ".csv")


class PlanUploadForm(forms.Form):
    file = forms.FileField(label="方案文件", help_text="支持 .txt、.docx、.pdf、.xlsx、.csv")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.DUBAN_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"文件 {f.name} 过大（{f.size // 1024 // 1024} MB），上限为 {settings.DUBAN_MAX_UPLOAD_BYTES // 1024 // 1024} MB"
            )
        if not f.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(f"文件 {f.name} 的类型不受支持，请上传 .txt、.docx、.pdf、.xlsx 或 .csv 文件")
        if f.size == 0:
            raise forms.ValidationError(f"文件 {f.name} 是空文件")
        return f


class RoleMapForm(forms.Form):
    """The person who holds each leader role the document writes without a name: one
    choice per role, among the leaders Duban knows and the ones the document names."""

    def __init__(self, *args, roles: dict[str, str], names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "暂不指定")] + [(n, n) for n in names]
        for i, (role, holder) in enumerate(roles.items()):
            self.fields[f"role_{i}"] = forms.ChoiceField(label=role, choices=choices, required=False, initial=holder)
        self.roles = list(roles)

    def role_map(self) -> dict[str, str]:
        return {role: self.cleaned_data.get(f"role_{i}", "") for i, role in enumerate(self.roles)}
