"""Use cases. Each public function is one transaction: lock, re-check, write, log.

API, back office, CLI and jobs call these; they never write models themselves.
"""
