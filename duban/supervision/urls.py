from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("tasks/<int:task_id>/", views.task_panel, name="task"),
    path("tasks/<int:task_id>/notice/", views.notice_new, name="notice_new"),
    path("tasks/<int:task_id>/extension/", views.extension_new, name="extension_new"),
    path("tasks/<int:task_id>/completion/", views.completion_new, name="completion_new"),
    path("tasks/<int:task_id>/reopen/", views.task_reopen, name="reopen"),
    path("tasks/<int:task_id>/instruction/", views.instruction_new, name="instruction_new"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/reply/", views.notice_reply, name="notice_reply"),
    path("notices/<int:notice_id>/close/", views.notice_close, name="notice_close"),
    path("notices/<int:notice_id>/docx/", views.notice_docx_view, name="notice_docx"),
    path("notices/<int:notice_id>/pdf/", views.notice_pdf_view, name="notice_pdf"),
    path("extensions/<int:request_id>/decide/", views.extension_decide, name="extension_decide"),
    path("extensions/<int:request_id>/document/", views.extension_document, name="extension_document"),
    path("closures/<int:closure_id>/document/", views.closure_document, name="closure_document"),
    path("completions/<int:request_id>/verify/", views.completion_verify, name="completion_verify"),
    path("completions/<int:request_id>/return/", views.completion_return, name="completion_return"),
    path("instructions/<int:instruction_id>/ack/", views.instruction_ack, name="instruction_ack"),
    path("evidence/<int:file_id>/", views.evidence_download, name="evidence"),
]
