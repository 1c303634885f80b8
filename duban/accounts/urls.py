"""Everything about who may sign in and what they may do: self-service pages, and
the pages of the three administrative roles (each admits only its own role)."""
from django.urls import path

from . import auditlog, console, views

app_name = "accounts"
urlpatterns = [
    # Everyone
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.otp_verify, name="otp_verify"),
    path("logout/", views.sign_out, name="logout"),
    path("setup/", views.setup, name="setup"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/enrol/", views.otp_enrol, name="otp_enrol"),
    path("sessions/", views.my_sessions, name="sessions"),
    # System administrator: accounts
    path("users/", console.user_list, name="user_list"),
    path("users/new/", console.user_create, name="user_create"),
    path("users/<int:pk>/", console.user_edit, name="user_edit"),
    path("users/<int:pk>/password/", console.user_issue_password, name="user_issue_password"),
    path("users/<int:pk>/active/", console.user_set_active, name="user_set_active"),
    # Security administrator: approvals of account changes (三员分立), policy, locks, second
    # factors, the allowlist of outgoing requests
    path("security/approvals/", console.approval_list, name="approvals"),
    path("security/approvals/<int:pk>/<str:decision>/", console.approval_decide, name="approval_decide"),
    path("security/", console.policy, name="security_policy"),
    path("security/lockouts/", console.lockout_list, name="lockouts"),
    path("security/lockouts/<int:pk>/unlock/", console.lockout_unlock, name="lockout_unlock"),
    path("security/two-factor/", console.second_factors, name="second_factors"),
    path("security/two-factor/<int:pk>/reset/", console.second_factor_reset, name="second_factor_reset"),
    path("security/two-factor/<int:pk>/code/", console.enrolment_code, name="enrolment_code"),
    path("security/outbound/", console.outbound_hosts, name="outbound_hosts"),
    path("security/outbound/<int:pk>/delete/", console.outbound_host_delete, name="outbound_host_delete"),
    # Auditor: the audit log
    path("audit/", auditlog.event_list, name="audit_log"),
    path("audit/export.csv", auditlog.event_export, name="audit_export"),
]
