"""`duban create_admin --role secadmin --username anquan [--name 张三]`: make (or, with
--reset, give a new password to) one of the three administrative accounts. These are
made on the server only, so the system administrator cannot make themselves an
auditor or security administrator from the web pages."""
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from duban.accounts.models import ADMIN_ROLES, Role, User
from duban.audit.log import record
from duban.lib.passwords import generate_password


class Command(BaseCommand):
    help = "创建或重置系统管理员、安全管理员、审计员账号（密码随机生成，首次登录须修改）"
    group = "运维"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=sorted(r.value for r in ADMIN_ROLES))
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--reset", action="store_true", help="账号已存在时重置其密码")

    @transaction.atomic
    def handle(self, *args, role, username, name, reset, **options):
        user = User.objects.filter(username=username).first()
        if user is not None and not reset:
            raise CommandError(f"账号 {username} 已存在；如需重置密码请加 --reset")
        if user is not None and user.role != role:
            raise CommandError(f"账号 {username} 的角色是{user.get_role_display()}，不是{Role(role).label}：一个账号只能担任一种角色")
        password = generate_password(14)
        if user is None:
            user = User(username=username, role=role, full_name=name or Role(role).label)
        user.set_password(password)
        user.must_change_password = True
        user.full_clean()
        user.save()
        record("account.admin_created", obj=user,
               summary=f"在服务器上{'重置' if reset else '创建'}{Role(role).label}账号 {username}")
        self.stdout.write(f"{Role(role).label} {username} 的初始密码：{password}\n首次登录须修改密码。")
