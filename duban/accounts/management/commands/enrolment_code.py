"""`duban enrolment_code USERNAME`: a one-time code to bind an authenticator, printed on
the server (the second channel when no security administrator can sign in yet: the
administrators' own first enrolment in production)."""
from django.core.management.base import BaseCommand, CommandError

from duban.accounts import otp
from duban.accounts.models import EnrolmentCode, User


class Command(BaseCommand):
    help = "为账号生成一次性的双因素认证绑定码（在服务器上发放，例如管理员首次绑定验证器）"
    group = "运维"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有启用的账号 {username}")
        code = otp.issue_enrolment_code(user, actor=None, channel="服务器命令 duban enrolment_code")
        self.stdout.write(f"{user} 的绑定码：{code}\n{EnrolmentCode.VALID_HOURS}小时内有效，只能使用一次；"
                          f"登录后按提示输入，再绑定验证器。")
