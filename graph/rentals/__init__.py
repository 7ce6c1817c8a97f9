"""Rentals and payments: renting a copy, returning it, paying."""
