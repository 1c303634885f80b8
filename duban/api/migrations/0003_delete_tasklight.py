"""TaskLight's rows live on in duban.status's TaskStatus (status 0002 copied them first)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0002_outbox'),
        ('status', '0002_from_api_tasklight'),
    ]

    operations = [
        migrations.DeleteModel(
            name='TaskLight',
        ),
    ]
