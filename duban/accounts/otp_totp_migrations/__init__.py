"""Migrations of django-otp's TOTP app (``otp_totp``), kept here (settings.MIGRATION_MODULES)
so the seed column can be encrypted (issue 14 §5, 商用密码: SM4 at rest).

0001–0003 are django-otp 1.7.5's own, unchanged (same names, so databases that applied
them carry on); 0004 turns ``key`` into duban.lib.secretfields.EncryptedTextField and
encrypts the seeds already stored. The model's field is given the same class at start-up
(duban.accounts.apps). duban/accounts/tests/test_totp_seeds.py fails when a django-otp
release adds a migration of its own, so an upgrade cannot pass unnoticed.
"""
