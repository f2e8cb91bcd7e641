"""Livestream planning: streamers, sessions, run-of-show, conflicts, calendar feeds, host screen.

Modules: ``common`` (club scope, local time), ``streamers``, ``conflicts``, ``sessions``,
``slots`` (run-of-show), ``calendar`` (iCalendar export), ``feeds`` (secret links), ``host``
(live screen state).
"""
