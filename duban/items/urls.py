from django.urls import path

from . import views

app_name = "items"
urlpatterns = [
    path("", views.index, name="index"),
    path("instructions/new/", views.new_instruction, name="new_instruction"),
    path("proposals/new/", views.new_proposal, name="new_proposal"),
    path("assigned/new/", views.new_assigned, name="new_assigned"),
    path("meetings/new/", views.new_meeting, name="new_meeting"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("tasks/<int:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("tasks/<int:pk>/contacts/", views.add_contact, name="contact"),
    path("tasks/<int:pk>/replies/", views.add_reply, name="reply"),
    path("tasks/<int:pk>/satisfaction/", views.satisfaction, name="satisfaction"),
    path("tasks/<int:pk>/rectification/", views.rectify, name="rectify"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("rules/", views.rules, name="rules"),
    path("rules/workdays/", views.add_workday, name="add_workday"),
    path("rules/workdays/<int:pk>/delete/", views.delete_workday, name="delete_workday"),
    path("carry-over/", views.carry_over, name="carry_over"),
    path("intake/<str:category>/template/", views.intake_template, name="intake_template"),
    path("intake/<str:category>/upload/", views.intake_upload, name="intake_upload"),
    path("intake/batches/<int:pk>/", views.intake_preview, name="intake_preview"),
]
