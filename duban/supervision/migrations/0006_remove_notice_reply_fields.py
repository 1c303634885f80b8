"""The notice's own reply fields go, once 0005 has moved every reply to a NoticeReply.

A migration of its own: PostgreSQL refuses to alter a table in the transaction that
still has deferred foreign-key checks pending from the rows 0005 wrote."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('supervision', '0005_notice_replies_evidence'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='notice',
            name='replied_at',
        ),
        migrations.RemoveField(
            model_name='notice',
            name='replied_by',
        ),
        migrations.RemoveField(
            model_name='notice',
            name='reply',
        ),
    ]
