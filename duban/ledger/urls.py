from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("ledger/", views.ledger, name="ledger"),
    path("mine/", views.my_tasks, name="mine"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/restore/", views.restore_task, name="restore"),
    path("leaders/<int:pk>/", views.leader_tasks, name="leader"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/source/", views.plan_source, name="source"),
]
