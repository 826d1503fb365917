"""hestia_mock."""
