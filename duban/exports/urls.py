from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("rounds/<int:round_id>/briefing/", views.round_briefing, name="round_briefing"),
    path("leaders/<int:leader_id>/pack/", views.leader_pack, name="leader_pack"),
]
