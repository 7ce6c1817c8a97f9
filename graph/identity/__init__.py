"""Accounts and sessions: register, login, refreshToken, logout, changePassword, me."""
