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
