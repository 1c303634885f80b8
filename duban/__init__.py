"""Duban (督办): key-task supervision for a district government office."""
