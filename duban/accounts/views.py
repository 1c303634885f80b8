from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from duban.audit.log import record


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        record("auth.login", actor=self.request.user, summary="登录成功")
        return response

    def form_invalid(self, form):
        record("auth.login_failed", summary=f"登录失败：{form.data.get('username', '')[:50]}", result="failed")
        return super().form_invalid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        record("auth.password_change", actor=user, obj=user, summary="修改密码")
        messages.success(self.request, "密码已修改")
        return response
