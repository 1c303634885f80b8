"""Issue 14 §2 with §4: a set-up code (duban.accounts.approvals) used since a backup
does not become usable again when the backup is restored."""
from __future__ import annotations

import pytest
from django.core.management import call_command

from duban.accounts import approvals
from duban.accounts.models import AccountChange, User

from .test_backup_restore import backup, data_dir, files_root  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_set_up_code_used_after_the_backup_stays_used(data_dir, tmp_path, office, sysadmin, secadmin, capsys):
    change, first = approvals.request_password_reset(office, actor=sysadmin)
    second = approvals.approve(change, actor=secadmin)
    path = backup(tmp_path / "out")  # the approved code, not yet used, is in the backup
    approvals.complete_setup("office", first, second, "Set-after-backup9")

    call_command("restore", str(path), "--yes")
    assert "开通码 1 个" in capsys.readouterr().out
    assert AccountChange.objects.get(pk=change.pk).code_used_at is not None
    with pytest.raises(approvals.SetupError):
        approvals.complete_setup("office", first, second, "Set-after-restore9")
    assert User.objects.get(pk=office.pk).check_password("Set-after-backup9")
