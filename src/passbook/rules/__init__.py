"""Pure business rules: plain data in, decisions out. No Django, no database.

Services gather facts from the database, ask these functions, then write.
"""
