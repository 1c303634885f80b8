from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "duban.documents"
    label = "documents"
    verbose_name = "公文模板与编号"
