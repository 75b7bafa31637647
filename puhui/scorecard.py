"""Compatibility only: ``puhui/prospects.py`` still imports ``scorecard.mix_params``.

The module was split into :mod:`puhui.overview` and :mod:`puhui.mix`; remove this file once
prospects imports ``mix`` (issue 12).
"""

from .mix import mix_params  # noqa: F401
