from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import stubs

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("cas/", include("cas_server.urls", namespace="cas_server")),
    # WeCom (企业微信) OAuth and API
    path("wecom/connect/oauth2/authorize", stubs.wecom_authorize),
    path("wecom/cgi-bin/gettoken", stubs.wecom_gettoken),
    path("wecom/cgi-bin/auth/getuserinfo", stubs.wecom_getuserinfo),
    # DingTalk (钉钉) OAuth and API
    path("dingtalk/oauth2/auth", stubs.dingtalk_authorize),
    path("dingtalk/v1.0/oauth2/userAccessToken", stubs.dingtalk_user_token),
    path("dingtalk/v1.0/contact/users/me", stubs.dingtalk_me),
    path("dingtalk/gettoken", stubs.dingtalk_gettoken),
    path("dingtalk/topapi/user/getbyunionid", stubs.dingtalk_getbyunionid),
    path("_alive/", stubs.alive),
]
