"""Packaging glue: setup.cfg holds the metadata; this maps the top-level templates/ into the panel package."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["puq_hestia*", "panel*", "hestia_mock*"]), "panel.templates"],
    package_dir={"panel.templates": "templates"},
)
