"""Seed data: the CA/TX/NY rate tables operators load (rates) and the volume generator (volume)."""
