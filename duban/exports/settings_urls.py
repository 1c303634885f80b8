from django.urls import path

from . import settings_views as views

app_name = "docsettings"
urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<str:kind>/", views.template_detail, name="template"),
    path("templates/<str:kind>/download/", views.template_download, name="template_download"),
    path("templates/<str:kind>/upload/", views.template_upload, name="template_upload"),
    path("templates/<str:kind>/preview/", views.template_preview, name="template_preview"),
    path("templates/<str:kind>/publish/<int:number>/", views.template_publish, name="template_publish"),
    path("templates/<str:kind>/builtin/", views.template_builtin, name="template_builtin"),
    path("numbers/", views.number_pattern, name="number_pattern"),
    path("ledger/", views.ledger_layouts, name="ledger_layouts"),
    path("ledger/new/", views.ledger_layout_edit, name="ledger_layout_new"),
    path("ledger/<int:layout_id>/", views.ledger_layout_edit, name="ledger_layout"),
    path("ledger/<int:layout_id>/delete/", views.ledger_layout_delete, name="ledger_layout_delete"),
]
