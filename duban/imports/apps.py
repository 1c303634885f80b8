from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Plan import and revisions: upload → preview → confirm, the matcher that pairs
    stored tasks with parsed ones, undo of the last import, restore of withdrawn tasks.
    Above plans and workplans (it writes plan milestones), below rounds and the rest."""

    name = "duban.imports"
    label = "imports"
    verbose_name = "方案导入"
