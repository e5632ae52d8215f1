"""Passbook: bookings and multi-session passes for studios, gyms, tutors and clinics."""
