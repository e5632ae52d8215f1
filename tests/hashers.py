"""Argon2 with the cheapest parameters, for tests only.

Production hashes take about a fifth of a second each (Django's defaults: 100 MiB, two
passes), which is the point of them; in the suite, where fixtures create hundreds of
logins, that was minutes of a run. The algorithm, and so what the tests check, is the same.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8  # KiB, argon2's minimum for one lane
    parallelism = 1
