from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("ledger/", views.ledger, name="ledger"),
    path("mine/", views.my_tasks, name="mine"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("leaders/<int:pk>/", views.leader_tasks, name="leader"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:batch_id>/", views.import_preview, name="import_preview"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/source/", views.plan_source, name="source"),
]
