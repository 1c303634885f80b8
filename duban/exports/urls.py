from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("ledger.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("league.xlsx", views.league_xlsx, name="league_xlsx"),
    path("signing-key.pem", views.signing_key, name="signing_key"),
    path("rounds/<int:round_id>/briefing/", views.round_briefing, name="round_briefing"),
    path("leaders/<int:leader_id>/pack/", views.leader_pack, name="leader_pack"),
    path("years/<int:year>/summary/", views.year_summary, name="year_summary"),
    path("years/<int:year>/table.xlsx", views.year_table_xlsx, name="year_table_xlsx"),
]
