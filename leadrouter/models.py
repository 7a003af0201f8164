from django.db import models


class ConfigVersion(models.Model):
    """The current version of one configuration kept in memory by every process
    (`leadrouter.config_version`): a new random token whenever someone changes it."""

    name = models.CharField(max_length=50, primary_key=True)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} configuration {self.token}"
