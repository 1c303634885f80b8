from django.urls import path

from . import views

app_name = "rounds"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("open/", views.round_open, name="open"),
    path("mine/", views.my_reports, name="mine"),
    path("cadences/", views.cadence_create, name="cadence_create"),
    path("cadences/<int:cadence_id>/toggle/", views.cadence_toggle, name="cadence_toggle"),
    path("<int:round_id>/", views.round_detail, name="detail"),
    path("<int:round_id>/close/", views.round_close, name="close"),
    path("<int:round_id>/sheet/", views.sheet_download, name="sheet"),
    path("<int:round_id>/sheet/upload/", views.sheet_upload, name="sheet_upload"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/approve/", views.report_approve, name="approve"),
    path("reports/<int:report_id>/return/", views.report_return, name="return"),
    path("reports/<int:report_id>/accept/", views.report_accept, name="accept"),
    path("reports/<int:report_id>/versions/", views.report_versions, name="versions"),
    path("reports/<int:report_id>/attachments/", views.attachment_upload, name="attach"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("attachments/<int:attachment_id>/remove/", views.attachment_remove, name="detach"),
    path("coordination/", views.coordination_list, name="coordination"),
    path("coordination/<int:item_id>/", views.coordination_respond, name="coordination_respond"),
]
