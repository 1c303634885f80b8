class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Chinese and says why.
    Raised before anything live is changed, unless the message says otherwise."""
