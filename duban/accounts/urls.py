"""Everything about who may sign in and what they may do: self-service pages, and
the pages of the three administrative roles (each admits only its own role)."""
from django.urls import path

from duban.audit import views as audit_views
from duban.security import views as security_views

from . import console, views

app_name = "accounts"
urlpatterns = [
    # Everyone
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.otp_verify, name="otp_verify"),
    path("logout/", views.sign_out, name="logout"),
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
    # Security administrator: policy, locks, second factors
    path("security/", security_views.policy, name="security_policy"),
    path("security/lockouts/", console.lockout_list, name="lockouts"),
    path("security/lockouts/<int:pk>/unlock/", console.lockout_unlock, name="lockout_unlock"),
    path("security/two-factor/", console.second_factors, name="second_factors"),
    path("security/two-factor/<int:pk>/reset/", console.second_factor_reset, name="second_factor_reset"),
    # Auditor: the audit log
    path("audit/", audit_views.event_list, name="audit_log"),
    path("audit/export.csv", audit_views.event_export, name="audit_export"),
]
