"""What the notifications app does when lower apps report something."""
from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse

from duban.accounts.models import Role, User
from duban.audit.integrity import integrity_broken

from .actions import notify


@receiver(integrity_broken)
def alert_integrity_broken(sender, report, **kwargs) -> None:
    """The daily integrity check found a break: every active security administrator
    and auditor is told at once (inbox and the channels each chose)."""
    message = {
        "kind": "security.integrity",
        "title": f"完整性校验发现{report.problem_count}处问题：审计记录或防篡改材料可能被篡改",
        "body": "\n".join(report.problems()[:10]) + "\n请在服务器上运行 duban verify_audit 查看全部问题。",
    }
    for role, url in ((Role.AUDITOR, reverse("accounts:audit_log")), (Role.SECADMIN, "")):
        notify(list(User.objects.filter(role=role, is_active=True).order_by("id")), url=url, **message)
